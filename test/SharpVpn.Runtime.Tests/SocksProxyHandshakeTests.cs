using System.Net;
using SharpVpn.Config;
using SharpVpn.Runtime.Client;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// The SOCKS5 exchange against a scripted proxy on a loopback socket, byte by byte, for the answers a real proxy
/// (microsocks in ProxyInteropTests) does not give on demand: refusals by code, other methods, other versions.
/// </summary>
public sealed class SocksProxyHandshakeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private static readonly SocksProxySettings NoAuth = new() { Server = "127.0.0.1" };
    private static readonly SocksProxySettings WithAuth = NoAuth with { Credentials = new AuthUserPassSettings("carol", "pw", null) };

    [Theory]
    [InlineData("vpn.example.com", 443, new byte[] { 5, 1, 0, 3, 15, (byte)'v', (byte)'p', (byte)'n', (byte)'.', (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e', (byte)'.', (byte)'c', (byte)'o', (byte)'m', 1, 187 })]
    [InlineData("10.0.0.1", 1194, new byte[] { 5, 1, 0, 1, 10, 0, 0, 1, 4, 170 })]
    [InlineData("2001:db8::1", 1194, new byte[] { 5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 170 })]
    public void ConnectRequest_NamesTheServerAsRfc1928Says(string host, int port, byte[] expected)
    {
        Assert.Equal(expected, SocksProxyHandshake.ConnectRequest(host, port));
    }

    [Fact]
    public void WithoutCredentials_OffersNoAuthentication_Connects_AndLeavesTheServersBytes()
    {
        using var pair = new LoopbackProxy();
        pair.Answers([5, 0, 5, 0, 0, 3, 4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 80, (byte)'O', (byte)'V']);

        Assert.True(new SocksProxyHandshake(NoAuth, NoCredentials).Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.Equal([5, 1, 0, 5, 1, 0, 1, 10, 0, 0, 1, 4, 170], pair.Received(13));
        Assert.Equal([(byte)'O', (byte)'V'], pair.ClientReads(2));
    }

    [Fact]
    public void WithCredentials_LogsInWithRfc1929_AskingOnceForTwoConnections()
    {
        int asked = 0;
        var handshake = new SocksProxyHandshake(WithAuth, () => { asked++; return ("carol", "pw"); });
        for (int i = 0; i < 2; i++)
        {
            using var pair = new LoopbackProxy();
            pair.Answers([5, 2, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);

            Assert.True(handshake.Run(pair.Client, "10.0.0.1", 1194, Timeout));

            Assert.Equal([5, 1, 2, 1, 5, (byte)'c', (byte)'a', (byte)'r', (byte)'o', (byte)'l', 2, (byte)'p', (byte)'w'], pair.Received(13));
        }

        Assert.Equal(1, asked);
    }

    [Theory]
    [InlineData(false, new byte[] { 5, 0xFF }, "accepts no login we offered (no authentication); give 'socks-proxy SERVER PORT AUTHFILE'")]
    [InlineData(true, new byte[] { 5, 0xFF }, "accepts no login we offered (user name and password)")]
    [InlineData(false, new byte[] { 5, 2 }, "chose user name and password, not the no authentication we offered")]
    [InlineData(false, new byte[] { 4, 0 }, "did not answer as SOCKS5 (version byte 4)")]
    [InlineData(true, new byte[] { 5, 2, 1, 1 }, "refused our user name and password")]
    [InlineData(false, new byte[] { 5, 0, 5, 5, 0, 1, 0, 0, 0, 0, 0, 0 }, "could not connect to the server: connection refused (reply 5)")]
    [InlineData(false, new byte[] { 5, 0, 5, 2, 0, 1, 0, 0, 0, 0, 0, 0 }, "connection not allowed by its rules (reply 2)")]
    [InlineData(false, new byte[] { 5, 0, 5, 0, 0, 9 }, "unknown address type 9")]
    [InlineData(false, new byte[] { 5, 0, 5, 0, 0, 1, 10 }, "closed the connection before its reply")]
    [InlineData(false, new byte[] { 5 }, "closed the connection before its method choice")]
    public void WhatWeCannotUse_IsAnErrorSayingWhat(bool credentials, byte[] answer, string message)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(answer, thenClose: true);
        var handshake = new SocksProxyHandshake(credentials ? WithAuth : NoAuth, () => ("carol", "pw"));

        var ex = Assert.Throws<ProxyException>(() => handshake.Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASilentProxy_TimesOut_AndTheSocketsTimeoutIsRestored()
    {
        using var pair = new LoopbackProxy();

        Assert.ThrowsAny<IOException>(() => new SocksProxyHandshake(NoAuth, NoCredentials).Run(pair.Client, "10.0.0.1", 1194, TimeSpan.FromMilliseconds(200)));

        Assert.Equal(0, pair.Client.ReceiveTimeout);
    }

    [Theory]
    [InlineData(new byte[] { 5, 0, 5, 0, 0, 1, 10, 9, 8, 7, 0x9d, 0x6a }, "10.9.8.7", 40298)]
    [InlineData(new byte[] { 5, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0x9d, 0x6a }, "127.0.0.1", 40298)] // 0.0.0.0: the proxy's own address
    public void Associate_AsksForAUdpRelay_AndNamesIt(byte[] answer, string address, int port)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(answer);

        IPEndPoint relay = new SocksProxyHandshake(NoAuth, NoCredentials).Associate(pair.Client, Timeout);

        Assert.Equal([5, 1, 0, 5, 3, 0, 1, 0, 0, 0, 0, 0, 0], pair.Received(13));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), relay);
    }

    [Fact]
    public void Associate_ARelayNamedByHostName_IsAnError()
    {
        using var pair = new LoopbackProxy();
        pair.Answers([5, 0, 5, 0, 0, 3, 1, (byte)'r', 0, 1]);

        var ex = Assert.Throws<ProxyException>(() => new SocksProxyHandshake(NoAuth, NoCredentials).Associate(pair.Client, Timeout));

        Assert.Contains("named its UDP relay by a host name", ex.Message, StringComparison.Ordinal);
    }

    private static (string, string) NoCredentials() => throw new InvalidOperationException("no credentials should be asked for");
}
