namespace SharpVpn.Config.Tests;

/// <summary>
/// &lt;connection&gt; blocks (what the real openvpn makes of them is checked in
/// <see cref="OpenVpnRefereeTests"/>): per-server options, options SharpVPN keeps once per client, and the
/// messages for what a block may not do.
/// </summary>
public sealed class ConnectionBlockTests
{
    private const string Head = "client\ndev tun\nca ca.crt\ncert client.crt\nkey client.key\n";

    private static ClientConfig Parse(string text)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        return ConfigParser.ParseClient(dir.Write("c.ovpn", text));
    }

    private static ConfigException Refused(string text, bool server = false)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.ovpn", text);
        return Assert.IsType<ConfigException>(Record.Exception(() => server ? ConfigParser.ParseServer(path) : ConfigParser.ParseClient(path)));
    }

    [Fact]
    public void EachBlockIsOneRemoteWithItsOwnConnectionOptions()
    {
        ClientConfig c = Parse(Head + "explicit-exit-notify 3\n<connection>\nremote 10.0.0.1 1194 udp\n</connection>\n" +
            "<connection>\nremote 10.0.0.2 443 tcp\nserver-poll-timeout 5\nconnect-retry 2 30\n</connection>\n");

        Assert.Equal(
            [new RemoteEndpoint("10.0.0.1", 1194, TransportProtocol.Udp, AddressFamilyPreference.Any),
             new RemoteEndpoint("10.0.0.2", 443, TransportProtocol.Tcp, AddressFamilyPreference.Any)],
            c.Remotes.Select(r => r with { Block = null }));
        ConnectionBlockSettings udp = c.ConnectionOf(c.Remotes[0]);
        ConnectionBlockSettings tcp = c.ConnectionOf(c.Remotes[1]);
        Assert.Equal((3, 120, 1, 300), (udp.ExplicitExitNotify, udp.ServerPollTimeoutSeconds, udp.ConnectRetrySeconds, udp.ConnectRetryMaxSeconds));
        Assert.Equal((3, 5, 2, 30), (tcp.ExplicitExitNotify, tcp.ServerPollTimeoutSeconds, tcp.ConnectRetrySeconds, tcp.ConnectRetryMaxSeconds));
        Assert.Equal((7, 10), (udp.Line, tcp.Line));
    }

    [Fact]
    public void PlainRemotesAndLaterConnectionOptions_AreNotUsed_WithAWarning()
    {
        ClientConfig c = Parse(Head + "remote 10.9.9.9\n<connection>\nremote 10.0.0.1\n</connection>\nport 1300\n");

        Assert.Equal(["10.0.0.1"], c.Remotes.Select(r => r.Host));
        Assert.Equal(1194, c.Remotes[0].Port);
        Assert.Contains(c.Warnings, w => w.Contains(":6: option 'remote': is not used", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.Contains(":10: option 'port': is ignored: it comes after <connection> blocks", StringComparison.Ordinal));
    }

    [Fact]
    public void OncePerClientOptions_ApplyWhenEveryBlockAgrees()
    {
        ClientConfig c = Parse(Head + "<connection>\nremote 10.0.0.1\ntun-mtu 1400\nmssfix 1300\n</connection>\n" +
            "<connection>\nremote 10.0.0.2\ntun-mtu 1400\nmssfix 1300\n</connection>\n");

        Assert.Equal(1400, c.Tun.TunMtu);
        Assert.Equal(1300, c.Tun.MssFix);
    }

    [Fact]
    public void OncePerClientOptions_ThatDifferBetweenBlocks_AreRefusedWithTheLine()
    {
        ConfigException e = Refused(Head + "<connection>\nremote 10.0.0.1\nmssfix 1400\n</connection>\n<connection>\nremote 10.0.0.2 443 tcp\n</connection>\n");

        Assert.Equal(10, e.Line);
        Assert.Contains("sets 'mssfix' differently from the first <connection> block (line 6)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameInlineKeyInEveryBlock_IsOneKey()
    {
        string key = "<tls-crypt>\n" + TempConfigDir.StaticKey + "</tls-crypt>\n";
        ClientConfig c = Parse(Head + "<connection>\nremote 10.0.0.1\n" + key + "</connection>\n<connection>\nremote 10.0.0.2\n" + key + "</connection>\n");

        Assert.Equal(TempConfigDir.StaticKey, c.Tls.TlsCrypt!.Text);
    }

    [Theory]
    [InlineData("<connection>\nremote 10.0.0.1\nremote 10.0.0.2\n</connection>\n", 6, "exactly one 'remote' (this one has 2)")]
    [InlineData("<connection>\nremote 10.0.0.1\nhttp-proxy proxy.example 3128\n</connection>\n", 8, "an HTTP proxy carries only TCP")]
    [InlineData("<connection>\nremote 10.0.0.1\nproto tcp-server\n</connection>\n", 8, "is a server protocol")]
    [InlineData("connection 10.0.0.1\n", 6, "must be an inline block")]
    public void BlockErrors_NameTheLine(string block, int line, string message)
    {
        ConfigException e = Refused(Head + block);

        Assert.Equal(line, e.Line);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerConfig_RefusesBlocks()
    {
        ConfigException e = Refused("dev tun\nca ca.crt\ncert server.crt\nkey server.key\ndh none\nserver 10.8.0.0 255.255.255.0\n<connection>\nremote 10.0.0.1\n</connection>\n", server: true);

        Assert.Equal(7, e.Line);
        Assert.Contains("cannot be used in a server config", e.Message, StringComparison.Ordinal);
    }
}
