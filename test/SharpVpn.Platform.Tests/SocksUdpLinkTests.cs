using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// OpenVPN over a SOCKS5 UDP relay, against a loopback UDP socket playing the relay: the header in front of each
/// datagram and its removal on the way back (the whole path through danted: ProxyInteropTests).
/// </summary>
public sealed class SocksUdpLinkTests
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("192.0.2.7"), 1194);

    [Fact]
    public void Header_NamesTheServer_Ipv4AndIpv6()
    {
        Assert.Equal([0, 0, 0, 1, 192, 0, 2, 7, 4, 170], SocksUdpLink.Header(Server));
        Assert.Equal([0, 0, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 53],
            SocksUdpLink.Header(new IPEndPoint(IPAddress.Parse("2001:db8::1"), 53)));
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 1, 1, 2, 3, 4, 0, 1, 9 }, 10)]
    [InlineData(new byte[] { 0, 0, 0, 3, 1, (byte)'a', 0, 1 }, 8)]
    [InlineData(new byte[] { 0, 0, 0, 1, 1, 2, 3 }, -1)] // truncated
    [InlineData(new byte[] { 0, 0, 0, 9, 1, 2, 3, 4, 0, 1 }, -1)] // unknown address type
    [InlineData(new byte[] { 0, 0 }, -1)]
    public void HeaderLength_OfWhatTheRelaySends(byte[] datagram, int expected)
    {
        Assert.Equal(expected, SocksUdpLink.HeaderLength(datagram));
    }

    [Fact]
    public void PacketsGoToTheRelayWithTheHeader_AndComeBackWithoutIt_DroppingFragmentsAndGarbage()
    {
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        relay.ReceiveTimeout = 5000;
        using var control = new MemoryStream();
        using var link = new SocksUdpLink(UdpTransport.ForClient((IPEndPoint)relay.LocalEndPoint!), control, Server);

        Assert.True(link.Send([0x38, 1, 2, 3]));
        var datagram = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int n = relay.ReceiveFrom(datagram, ref from);
        Assert.Equal(new byte[] { 0, 0, 0, 1, 192, 0, 2, 7, 4, 170, 0x38, 1, 2, 3 }, datagram[..n]);

        relay.SendTo(new byte[] { 0, 0, 1, 1, 192, 0, 2, 7, 4, 170, 0xEE }, from); // FRAG 1: dropped
        relay.SendTo(new byte[] { 0, 0, 0 }, from); // no header: dropped
        relay.SendTo(new byte[] { 0, 0, 0, 1, 192, 0, 2, 7, 4, 170, 0x40, 9, 8 }, from);
        var packet = new byte[100];
        int got = link.Receive(packet);
        Assert.Equal(new byte[] { 0x40, 9, 8 }, packet[..got]);
        Assert.False(link.IsStream);
    }

    [Fact]
    public void Dispose_ClosesTheAssociationsTcpConnectionToo()
    {
        using var relay = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var control = new MemoryStream();
        var link = new SocksUdpLink(UdpTransport.ForClient((IPEndPoint)relay.LocalEndPoint!), control, Server);

        link.Dispose();

        Assert.False(control.CanRead);
        Assert.Equal(0, link.Receive(new byte[10]));
    }
}
