namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>http-proxy</c>, <c>http-proxy-option</c>, <c>http-proxy-user-pass</c> and <c>socks-proxy</c> read as the real openvpn 2.6 reads
/// them: what it accepts we accept with the same meaning, what it refuses we refuse naming the line. (Connecting
/// through real proxies: ProxyInteropTests.)
/// </summary>
public sealed class ProxyConfigTests
{
    private const string Head = "client\ndev tun\nca ca.crt\ncert client.crt\nkey client.key\n";

    [Fact]
    public void ProxyWithAuthFileAndOptions_AsOpenVpnReadsThem()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("proxy-auth.txt", "alice\r\ns3cret\n");
        string path = dir.Write("c.conf", Head + "remote vpn.example.com 443 tcp-client\nhttp-proxy proxy.corp 3128 proxy-auth.txt basic\n" +
            "http-proxy-option VERSION 1.1\nhttp-proxy-option AGENT Mozilla/5.0\nhttp-proxy-option CUSTOM-HEADER X-Team vpn\n" +
            "http-proxy-option EXT1 \"X-Whole: line\"\n");

        HttpProxySettings proxy = Assert.IsType<HttpProxySettings>(ConfigParser.ParseClient(path).HttpProxy);

        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Equal(("proxy.corp", 3128, HttpProxyAuth.Basic, "1.1", "Mozilla/5.0"), (proxy.Server, proxy.Port, proxy.Auth, proxy.HttpVersion, proxy.UserAgent));
        Assert.Equal(("alice", "s3cret"), (proxy.Credentials?.Username, proxy.Credentials?.Password));
        Assert.Equal(["X-Team: vpn", "X-Whole: line"], proxy.CustomHeaders.Select(h => h.Line));
        Assert.Equal(7, proxy.Line);
    }

    [Fact]
    public void Defaults_NoAuthentication_Http10_NoAgent()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClient(dir.Write("c.conf", Head + "proto tcp\nremote 10.0.0.1\nhttp-proxy 10.0.0.9 8080\n"));

        HttpProxySettings proxy = c.ConnectionOf(c.Remotes[0]).HttpProxy!;
        Assert.Equal((HttpProxyAuth.None, "1.0", null, null), (proxy.Auth, proxy.HttpVersion, proxy.UserAgent, proxy.Credentials));
        Assert.Empty(proxy.CustomHeaders);
    }

    [Theory]
    [InlineData("auto", HttpProxyAuth.Auto)]
    [InlineData("auto-nct", HttpProxyAuth.AutoNoCleartext)]
    public void Auto_TakesItsCredentialsFromHttpProxyUserPass_Inline(string mode, HttpProxyAuth expected)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", Head + $"remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080 {mode}\n" +
            "<http-proxy-user-pass>\nbob\npw\n</http-proxy-user-pass>\n");

        HttpProxySettings proxy = ConfigParser.ParseClient(path).HttpProxy!;

        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Equal((expected, "bob", "pw"), (proxy.Auth, proxy.Credentials?.Username, proxy.Credentials?.Password));
    }

    [Fact]
    public void HttpProxyUserPass_TakesThePlaceOfTheAuthFile_AndStdinAsksForBoth()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("a.txt", "from-file\nx\n");
        dir.Write("b.txt", "from-user-pass\ny\n");
        HttpProxySettings both = ConfigParser.ParseClient(dir.Write("c.conf",
            Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080 a.txt\nhttp-proxy-user-pass b.txt\n")).HttpProxy!;
        HttpProxySettings typed = ConfigParser.ParseClient(dir.Write("d.conf",
            Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080 stdin basic\n")).HttpProxy!;

        Assert.Equal(("from-user-pass", "y"), (both.Credentials?.Username, both.Credentials?.Password));
        Assert.True(typed.Credentials!.NeedsPrompt);
    }

    [Fact]
    public void ConnectionBlocks_HaveTheirOwnProxy_OrTheOneGivenBefore()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", Head + "http-proxy 10.0.0.9 8080\n" +
            "<connection>\nremote 10.0.0.1 443 tcp-client\n</connection>\n" +
            "<connection>\nremote 10.0.0.2 443 tcp-client\nhttp-proxy 10.0.0.8 3128\n</connection>\n");

        ClientConfig c = ConfigParser.ParseClient(path);

        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Equal(["10.0.0.9", "10.0.0.8"], c.Remotes.Select(r => c.ConnectionOf(r).HttpProxy!.Server));
    }

    [Theory]
    [InlineData("remote 10.0.0.1\nhttp-proxy 10.0.0.9 8080\n", 7, "an HTTP proxy carries only TCP")] // default proto udp
    [InlineData("remote 10.0.0.1 1194 udp\nhttp-proxy 10.0.0.9 8080\nproto tcp\n", 6, "an HTTP proxy carries only TCP")]
    [InlineData("remote 10.0.0.1 443 tcp\nhttp-proxy-option AGENT x\n", 7, "needs an 'http-proxy SERVER PORT' line")]
    [InlineData("remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9\n", 7, "expects at least 2 arguments")]
    [InlineData("remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080\nhttp-proxy-option PIPELINE 1\n", 8, "'PIPELINE' with 1 value(s) is not one of")]
    public void WhatOpenVpnRefuses_IsRefused_NamingTheLine(string lines, int line, string message)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("f.txt", "u\np\n");
        string path = dir.Write("c.conf", Head + lines);

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Equal(line, ex.Line);
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownAuthenticationMethod_IsRefusedAtParse_WhereOpenVpnStopsAtStart()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("f.txt", "u\np\n");
        string path = dir.Write("c.conf", Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080 f.txt digest\n");

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));

        OpenVpnReferee.AcceptsOptions(path, out string output);
        Assert.Contains("ERROR: unknown HTTP authentication method: 'digest'", output, StringComparison.Ordinal);
        Assert.Equal(7, ex.Line);
        Assert.Contains("'digest' is not a known HTTP proxy authentication method", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ntlm_IsRefusedWithAWayOut()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("f.txt", "u\np\n");
        ConfigException ex = Assert.Throws<ConfigException>(() =>
            ConfigParser.ParseClient(dir.Write("c.conf", Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080 f.txt ntlm2\n")));

        Assert.Contains("'ntlm2' proxy authentication is not supported by SharpVPN", ex.Message, StringComparison.Ordinal);
        Assert.Contains("auto", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryAndTimeoutOptions_AreDeprecatedWarnings_AsInOpenVpn()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080\nhttp-proxy-retry\nhttp-proxy-timeout 5\n");

        ClientConfig c = ConfigParser.ParseClient(path);

        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("DEPRECATED OPTION: http-proxy-retry", output, StringComparison.Ordinal);
        Assert.Contains(c.Warnings, w => w.Contains(":8: option 'http-proxy-retry': is deprecated", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.Contains(":9: option 'http-proxy-timeout': is deprecated", StringComparison.Ordinal));
    }

    [Fact]
    public void SocksProxy_WithItsDefaultPortAndAnAuthFile_AsOpenVpnReadsIt()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("socks.txt", "carol\npw\n");
        string plain = dir.Write("a.conf", Head + "remote vpn.example.com 443 tcp-client\nsocks-proxy 127.0.0.1\n");
        string withAuth = dir.Write("b.conf", Head + "remote vpn.example.com 443 tcp-client\nsocks-proxy 127.0.0.1 9050 socks.txt\n");

        SocksProxySettings a = ConfigParser.ParseClient(plain).SocksProxy!;
        SocksProxySettings b = ConfigParser.ParseClient(withAuth).SocksProxy!;

        Assert.True(OpenVpnReferee.AcceptsOptions(plain, out string output), output);
        Assert.True(OpenVpnReferee.AcceptsOptions(withAuth, out output), output);
        Assert.Equal(("127.0.0.1", 1080, null), (a.Server, a.Port, a.Credentials));
        Assert.Equal((9050, "carol", "pw"), (b.Port, b.Credentials?.Username, b.Credentials?.Password));
    }

    [Fact]
    public void SocksAndHttpProxyTogether_AreRefusedByBoth()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", Head + "remote 10.0.0.1 443 tcp\nhttp-proxy 10.0.0.9 8080\nsocks-proxy 10.0.0.8\n");

        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Contains("--http-proxy can not be used together with --socks-proxy", output, StringComparison.Ordinal);
        Assert.Equal(8, ex.Line);
        Assert.Contains("cannot be used together with http-proxy (line 7)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SocksOverUdp_IsAcceptedByBoth()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", Head + "remote 10.0.0.1 1194 udp\nsocks-proxy 10.0.0.8\n");

        ClientConfig c = ConfigParser.ParseClient(path);

        Assert.True(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Equal(("10.0.0.8", TransportProtocol.Udp), (c.SocksProxy?.Server, c.Remotes[0].Protocol));
    }

    [Fact]
    public void PortShare_OnATcpServer_AsOpenVpnReadsIt_AndOnUdpIsRefusedByBoth()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        const string server = "port 1194\ndev tun\nca ca.crt\ncert server.crt\nkey server.key\ndh none\nserver 10.8.0.0 255.255.255.0\n";
        string tcp = dir.Write("tcp.conf", server + "proto tcp\nport-share 127.0.0.1 8443 /var/lib/ps\n");
        string udp = dir.Write("udp.conf", server + "proto udp\nport-share 127.0.0.1 8443\n");

        PortShareSettings share = ConfigParser.ParseServer(tcp).PortShare!;
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseServer(udp));

        Assert.Equal(("127.0.0.1", 8443, "/var/lib/ps"), (share.Host, share.Port, share.JournalDirectory));
        Assert.Equal("8443", OpenVpnReferee.Settings(tcp).One("port_share_port"));
        Assert.False(OpenVpnReferee.AcceptsOptions(udp, out string output), output);
        Assert.Contains("--port-share only works in TCP server mode", output, StringComparison.Ordinal);
        Assert.Equal(9, ex.Line);
        Assert.Contains("only works on a TCP server", ex.Message, StringComparison.Ordinal);
    }
}
