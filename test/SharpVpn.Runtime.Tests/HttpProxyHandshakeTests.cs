using System.Net.Sockets;
using System.Text;
using SharpVpn.Config;
using SharpVpn.Runtime.Client;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// The HTTP CONNECT exchange against a scripted proxy on a loopback socket, for the answers a real proxy (tinyproxy in
/// ProxyInteropTests) does not give: Digest/NTLM-only offers, 'auto-nct', garbage, silence, and the exact bytes.
/// </summary>
public sealed class HttpProxyHandshakeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private static HttpProxySettings Settings(HttpProxyAuth auth = HttpProxyAuth.None, AuthUserPassSettings? credentials = null) =>
        new() { Server = "proxy.corp", Port = 3128, Auth = auth, Credentials = credentials };

    [Fact]
    public void Request_IsOpenVpnsCONNECT_WithHeadersInItsOrder()
    {
        var settings = Settings(HttpProxyAuth.Basic) with
        {
            HttpVersion = "1.1",
            UserAgent = "Mozilla/5.0",
            CustomHeaders = [new HttpProxyHeader("X-Team", "vpn"), new HttpProxyHeader("X-Whole: line", null)],
        };
        var handshake = new HttpProxyHandshake(settings, () => ("alice", "s3cret"));

        Assert.Equal(
            "CONNECT vpn.example.com:443 HTTP/1.1\r\nX-Team: vpn\r\nX-Whole: line\r\nHost: vpn.example.com\r\nUser-Agent: Mozilla/5.0\r\n" +
            "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n",
            handshake.BuildRequest("vpn.example.com", 443));
    }

    [Theory]
    [InlineData("Host", "other.example")]
    [InlineData("host: other.example", null)]
    public void ACustomHostHeader_TakesThePlaceOfOurs(string name, string? content)
    {
        var handshake = new HttpProxyHandshake(Settings() with { CustomHeaders = [new HttpProxyHeader(name, content)] }, NoCredentials);

        string request = handshake.BuildRequest("10.0.0.1", 1194);

        Assert.Single(request.Split("\r\n"), l => l.StartsWith("host:", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain("Proxy-Authorization", request, StringComparison.Ordinal);
    }

    [Fact]
    public void AnIpv6Server_IsWrittenInBrackets()
    {
        string request = new HttpProxyHandshake(Settings(), NoCredentials).BuildRequest("2001:db8::1", 1194);

        Assert.StartsWith("CONNECT [2001:db8::1]:1194 HTTP/1.0\r\nHost: [2001:db8::1]\r\n", request, StringComparison.Ordinal);
    }

    [Fact]
    public void Answer200_OpensTheTunnel_AndLeavesTheServersFirstBytesInTheSocket()
    {
        using var pair = new LoopbackProxy();
        pair.Answers(Encoding.Latin1.GetBytes("HTTP/1.1 200 Connection established\r\nProxy-agent: test\r\n\r\nOVPN"));

        Assert.True(new HttpProxyHandshake(Settings(), NoCredentials).Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.StartsWith("CONNECT 10.0.0.1:1194 HTTP/1.0\r\n", Encoding.Latin1.GetString(pair.ReceivedThrough("\r\n\r\n"u8)), StringComparison.Ordinal);
        Assert.Equal("OVPN", Encoding.Latin1.GetString(pair.ClientReads(4)));
    }

    [Fact]
    public void Auto_LearnsBasicFromThe407_AndSendsItOnTheNextConnection_AskingForCredentialsOnce()
    {
        int asked = 0;
        var handshake = new HttpProxyHandshake(Settings(HttpProxyAuth.Auto), () => { asked++; return ("bob", "pw"); });
        using (var first = new LoopbackProxy())
        {
            first.Answers(Encoding.Latin1.GetBytes("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Negotiate\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n\r\n<html>"));

            Assert.False(handshake.Run(first.Client, "10.0.0.1", 1194, Timeout));
            Assert.DoesNotContain("Proxy-Authorization", Encoding.Latin1.GetString(first.ReceivedThrough("\r\n\r\n"u8)), StringComparison.Ordinal);
        }

        Assert.Equal(HttpProxyAuth.Basic, handshake.Method);
        for (int i = 0; i < 2; i++)
        {
            using var next = new LoopbackProxy();
            next.Answers(Encoding.Latin1.GetBytes("HTTP/1.0 200 OK\r\n\r\n"));
            Assert.True(handshake.Run(next.Client, "10.0.0.1", 1194, Timeout));
            Assert.Contains("Proxy-Authorization: Basic Ym9iOnB3\r\n", Encoding.Latin1.GetString(next.ReceivedThrough("\r\n\r\n"u8)), StringComparison.Ordinal);
        }

        Assert.Equal(1, asked);
    }

    [Theory]
    [InlineData(HttpProxyAuth.AutoNoCleartext, "Proxy-Authenticate: Basic realm=\"x\"", "'auto-nct' forbids it")]
    [InlineData(HttpProxyAuth.Auto, "Proxy-Authenticate: Digest realm=\"x\", nonce=\"1\"\r\nProxy-Authenticate: NTLM", "(Digest, NTLM); it supports Basic")]
    [InlineData(HttpProxyAuth.Auto, "Server: x", "(no method at all)")]
    [InlineData(HttpProxyAuth.None, "Proxy-Authenticate: Basic realm=\"x\"", "give 'http-proxy proxy.corp 3128 AUTHFILE' (basic) or 'auto'")]
    public void A407_WeCannotAnswer_SaysWhy(HttpProxyAuth auth, string headers, string message)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(Encoding.Latin1.GetBytes($"HTTP/1.1 407 Proxy Authentication Required\r\n{headers}\r\n\r\n"));

        var ex = Assert.Throws<ProxyException>(() => new HttpProxyHandshake(Settings(auth), NoCredentials).Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.0 407 Proxy Authentication Required\r\n\r\n")]
    [InlineData("HTTP/1.0 401 Unauthorized\r\n\r\n")]
    public void RefusedCredentials_AreSaidToBeRefused(string answer)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(Encoding.Latin1.GetBytes(answer));
        var handshake = new HttpProxyHandshake(Settings(HttpProxyAuth.Basic, new AuthUserPassSettings("u", "wrong", null)), () => ("u", "wrong"));

        var ex = Assert.Throws<ProxyException>(() => handshake.Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.Contains($"refused our user name and password ('{answer.Split("\r\n")[0]}')", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 403 Forbidden\r\n\r\n", "HTTP proxy returned bad status: 'HTTP/1.1 403 Forbidden'")]
    [InlineData("SSH-2.0-OpenSSH_9.2\r\n", "not HTTP: 'SSH-2.0-OpenSSH_9.2'")]
    [InlineData("\u0001\u0002garbage\r\n", "not HTTP: '??garbage'")]
    [InlineData("HTTP/1.1 200 OK\r\nX: y", "closed the connection in the middle of a line")]
    [InlineData("", "closed the connection without an answer")]
    public void OtherAnswers_AreErrorsQuotingTheProxy(string answer, string message)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(Encoding.Latin1.GetBytes(answer), thenClose: true);

        var ex = Assert.Throws<ProxyException>(() => new HttpProxyHandshake(Settings(), NoCredentials).Run(pair.Client, "10.0.0.1", 1194, Timeout));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASilentProxy_TimesOut()
    {
        using var pair = new LoopbackProxy();

        Exception ex = Assert.ThrowsAny<IOException>(() =>
            new HttpProxyHandshake(Settings(), NoCredentials).Run(pair.Client, "10.0.0.1", 1194, TimeSpan.FromMilliseconds(200)));

        Assert.IsType<SocketException>(ex.InnerException);
        Assert.Equal(0, pair.Client.ReceiveTimeout); // restored for the tunnel's blocking reads
    }

    private static (string, string) NoCredentials() => throw new InvalidOperationException("no credentials should be asked for");
}
