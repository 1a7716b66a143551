using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>
/// port-share's first look at a TCP connection (OpenVPN ps.c is_openvpn_protocol): what a browser or an HTTPS client
/// sends first is relayed, an OpenVPN client's hard reset is not. The whole relay runs in PortShareInteropTests.
/// </summary>
public sealed class PortShareRelayTests
{
    [Theory]
    [InlineData(new byte[] { 0x00, 0x2a, 7 << 3 }, true)] // hard reset V2, 42 bytes (tls-auth/tls-crypt/plain)
    [InlineData(new byte[] { 0x00, 0x0e, 7 << 3 }, true)] // the shortest one
    [InlineData(new byte[] { 0x01, 0x60, 10 << 3 }, true)] // tls-crypt-v2's V3 with its wrapped key, 352 bytes
    [InlineData(new byte[] { 0x00, 0x2a }, true)] // only two bytes so far: the length decides
    [InlineData(new byte[] { 0x00 }, true)]
    [InlineData(new byte[] { 0x16, 0x03, 0x01 }, false)] // a TLS ClientHello (HTTPS)
    [InlineData(new byte[] { (byte)'G', (byte)'E', (byte)'T' }, false)] // an HTTP request
    [InlineData(new byte[] { (byte)'S', (byte)'S', (byte)'H' }, false)]
    [InlineData(new byte[] { 0x01, 0x00, 7 << 3 }, false)] // a V2 reset cannot be 256 bytes
    [InlineData(new byte[] { 0x00, 0x2a, 10 << 3 }, false)] // a V3 reset cannot be as short as 42
    [InlineData(new byte[] { 0x00, 0x2a, 4 << 3 }, false)] // P_CONTROL_V1 cannot come first
    public void FirstBytes_DecideWhetherTheConnectionIsOpenVpn(byte[] first, bool openVpn)
    {
        Assert.Equal(openVpn, PortShareRelay.LooksLikeOpenVpn(first));
    }
}
