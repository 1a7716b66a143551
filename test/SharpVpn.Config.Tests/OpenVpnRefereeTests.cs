using System.Globalization;

namespace SharpVpn.Config.Tests;

/// <summary>
/// The same file through our parser and through the real openvpn 2.6: the expanded push list, pool,
/// server address, timers, ciphers and connection entries must agree.
/// </summary>
public sealed class OpenVpnRefereeTests
{
    private static TempConfigDir JunkCertDir()
    {
        // PEM-looking junk: our parser accepts it, openvpn fails to load it after printing its settings.
        var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("ta.key", RealStaticKey());
        return dir;
    }

    internal static string RealStaticKey()
    {
        // openvpn insists on a well-formed static key when it parses tls-auth; 256 bytes of hex.
        var sb = new System.Text.StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        for (int i = 0; i < 16; i++)
        {
            sb.Append(string.Concat(Enumerable.Range(0, 16).Select(j => ((i * 16 + j) & 0xff).ToString("x2", CultureInfo.InvariantCulture)))).Append('\n');
        }

        return sb.Append("-----END OpenVPN Static key V1-----\n").ToString();
    }

    public static TheoryData<string, string> ServerConfigs => new()
    {
        { "scenario", ScenarioConfigTests.ScenarioServerConf.Replace("log-append /var/log/openvpn.log\n", "", StringComparison.Ordinal) },
        { "scenario+c2c", ScenarioConfigTests.ScenarioServerConf.Replace("log-append /var/log/openvpn.log\n", "client-to-client\n", StringComparison.Ordinal) },
        { "subnet", "dev tun\ndh dh2048.pem\nca ca.crt\ncert server.crt\nkey server.key\ntopology subnet\nserver 10.8.0.0 255.255.255.0\nkeepalive 10 60\npush \"redirect-gateway def1 bypass-dhcp\"\ndata-ciphers AES-256-GCM:CHACHA20-POLY1305\n" },
        { "p2p+c2c", "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\ntopology p2p\nserver 10.9.0.0 255.255.255.0\nclient-to-client\nping 5\nping-restart 30\n" },
        { "slash29", "dev tun\ndh dh2048.pem\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.7.0.0 255.255.255.248\nport 1195\nproto tcp-server\n" },
        {
            "quoting",
            "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.8.0.0 255.255.255.0\ntopology subnet\n" +
            "push 'route 10.9.0.0 255.255.0.0'\n--push \"route   10.10.0.0    255.255.0.0\" # trailing comment\n" +
            "push \"setenv-safe X \\\"quoted value\\\"\" ; another comment\npush \"dhcp-option DOMAIN a\\\\b.example\"\n;push \"route 10.11.0.0 255.255.0.0\"\n" +
            "  push \"ping-exit 100\"\r\ndata-ciphers AES-256-GCM:AES-256-CBC\n"
        },
    };

    [Theory]
    [MemberData(nameof(ServerConfigs))]
    public void ServerConfig_AgreesWithOpenVpn(string name, string text)
    {
        using TempConfigDir dir = JunkCertDir();
        string path = dir.Write("server.conf", text);

        ServerConfig ours = ConfigParser.ParseServer(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.True(name.Length > 0);
        Assert.Equal(theirs.All("push_entry"), ours.Pushes);
        Assert.Equal(theirs.One("ifconfig_local"), ours.Tun.Ifconfig!.Local.ToString());
        Assert.Equal(theirs.One("ifconfig_remote_netmask"), ours.Tun.Ifconfig.RemoteOrNetmask.ToString());
        Assert.Equal(theirs.One("ifconfig_pool_start"), ours.Pool!.PoolStart.ToString());
        Assert.Equal(theirs.One("ifconfig_pool_end"), ours.Pool.PoolEnd.ToString());
        Assert.Equal(theirs.One("topology"), ours.Tun.Topology switch { Topology.Net30 => "1", Topology.P2p => "2", _ => "3" });
        Assert.Equal(theirs.One("ping_send_timeout"), ours.Keepalive.PingSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ping_rec_timeout"), ours.Keepalive.PingRestartSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ncp_ciphers"), string.Join(':', ours.DataChannel.DataCiphers));
        Assert.Equal(theirs.One("local_port"), ours.Port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("proto"), ours.Protocol == TransportProtocol.Udp ? "udp" : "tcp-server");
    }

    public static TheoryData<string> DualStackServerConfigs => new()
    {
        "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\ntopology subnet\nserver 10.8.0.0 255.255.255.0\nserver-ipv6 fd00:8::/64\npush \"route-ipv6 2001:db8:5::/48\"\n",
        "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.9.0.0 255.255.255.0\nserver-ipv6 fd00:9::100/120\nkeepalive 10 60\n",
    };

    /// <summary>server-ipv6: the same tun address and pool base as openvpn; the push list is openvpn's without "tun-ipv6".</summary>
    [Theory]
    [MemberData(nameof(DualStackServerConfigs))]
    public void DualStackServerConfig_AgreesWithOpenVpn(string text)
    {
        using TempConfigDir dir = JunkCertDir();
        string path = dir.Write("server.conf", text);

        ServerConfig ours = ConfigParser.ParseServer(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.Equal(theirs.One("ifconfig_ipv6_local"), ours.Ipv6!.ServerAddress.ToString());
        Assert.Equal(theirs.One("ifconfig_ipv6_netbits"), ours.Ipv6.Network.PrefixLength.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ifconfig_ipv6_pool_base"), ours.Ipv6.PoolBase.ToString());
        Assert.Equal(theirs.One("ifconfig_ipv6_pool_netbits"), ours.Ipv6.Network.PrefixLength.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.All("push_entry").Where(p => p != "tun-ipv6"), ours.Pushes);
    }

    public static TheoryData<string, string> ClientConfigs => new()
    {
        { "scenario", ScenarioConfigTests.ScenarioClientConf },
        {
            "list",
            "client\ndev tun\nremote 10.0.0.1\nremote vpn2.example.com 443 tcp-client\nremote 10.0.0.3 1200 udp\nport 1300\nremote-random\n" +
            "ca ca.crt\ncert client.crt\nkey client.key\nkeepalive 10 60\n"
        },
        { "lport", "client\ndev tun\nremote 10.0.0.1\nlport 5000\nca ca.crt\ncert client.crt\nkey client.key\nping 15\nping-restart 45\ndata-ciphers AES-128-GCM\n" },
        { "bind", "client\ndev tun\nremote 10.0.0.1\nport 1195\nbind\nca ca.crt\ncert client.crt\nkey client.key\n" },
        { "tcp", "client\ndev tun0\nproto tcp\nremote 10.0.0.1 443\nca ca.crt\ncert client.crt\nkey client.key\nkey-direction 1\ntls-auth ta.key\n" },
        {
            // Each block starts from the connection options before it; "remote" outside blocks and options after them are not used.
            "connection blocks",
            "client\ndev tun\nremote 10.9.9.9\nport 1300\nconnect-retry 3 40\nserver-poll-timeout 20\nexplicit-exit-notify 2\n" +
            "<connection>\nremote 10.0.0.1\nlport 5000\nserver-poll-timeout 7\n</connection>\n" +
            "<connection>\nremote vpn2.example.com 443\nproto tcp-client\nconnect-retry 9\nexplicit-exit-notify 1\n</connection>\n" +
            "<connection>\nremote 10.0.0.3\nport 1200\nnobind\n</connection>\n" +
            "port 1400\nconnect-timeout 99\nremote 10.8.8.8\nca ca.crt\ncert client.crt\nkey client.key\n"
        },
    };

    [Theory]
    [MemberData(nameof(ClientConfigs))]
    public void ClientConfig_AgreesWithOpenVpn(string name, string text)
    {
        using TempConfigDir dir = JunkCertDir();
        string path = dir.Write("client.conf", text);

        ClientConfig ours = ConfigParser.ParseClient(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.True(name.Length > 0);

        // One connection entry per remote, in file order.
        IReadOnlyList<string> remotes = theirs.All("remote");
        IReadOnlyList<string> ports = theirs.All("remote_port");
        IReadOnlyList<string> protos = theirs.All("proto");
        IReadOnlyList<string> binds = theirs.All("bind_local");
        IReadOnlyList<string> localPorts = theirs.All("local_port");
        Assert.Equal(remotes, ours.Remotes.Select(r => r.Host));
        Assert.Equal(ports, ours.Remotes.Select(r => r.Port.ToString(CultureInfo.InvariantCulture)));
        Assert.Equal(protos, ours.Remotes.Select(r => r.Protocol == TransportProtocol.Udp ? "udp" : "tcp-client"));
        for (int i = 0; i < ours.Remotes.Count; i++)
        {
            ConnectionBlockSettings connection = ours.ConnectionOf(ours.Remotes[i]);
            if (ours.Remotes[i].Protocol == TransportProtocol.Udp)
            {
                Assert.Equal(binds[i] == "ENABLED", connection.LocalPort is not null);
                Assert.Equal(localPorts[i], connection.LocalPort?.ToString(CultureInfo.InvariantCulture) ?? "[UNDEF]");
            }

            Assert.Equal(theirs.All("connect_retry_seconds")[i], connection.ConnectRetrySeconds.ToString(CultureInfo.InvariantCulture));
            Assert.Equal(theirs.All("connect_timeout")[i], connection.ServerPollTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
            if (ours.Remotes[i].Protocol == TransportProtocol.Udp)
            {
                Assert.Equal(theirs.All("explicit_exit_notification")[i], connection.ExplicitExitNotify.ToString(CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(theirs.One("remote_random") == "ENABLED", ours.RemoteRandom);
        Assert.Equal(theirs.One("ping_send_timeout"), ours.Keepalive.PingSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ping_rec_timeout"), ours.Keepalive.PingRestartSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ncp_ciphers"), string.Join(':', ours.DataChannel.DataCiphers));
        if (ours.Tls.TlsAuth is not null)
        {
            Assert.Equal(theirs.All("key_direction").Last(), ours.Tls.TlsAuth.Direction?.ToString(CultureInfo.InvariantCulture) ?? "not set");
        }
    }

    /// <summary>Lines the real openvpn refuses while parsing options; we must refuse them too (with file:line).</summary>
    [Theory]
    [InlineData("keepalive 10 15")]
    [InlineData("server 10.0.1.1 255.255.255.0")]
    [InlineData("server 10.0.1.0 255.255.255.252")]
    [InlineData("server 10.0.0.0 255.0.0.0")]
    [InlineData("push \"route 10.0.0.0")]
    [InlineData("ca C:\\keys\\ca.crt")]
    [InlineData("</ca>")]
    [InlineData("<ca>")]
    [InlineData("topology star")]
    [InlineData("proto sctp")]
    [InlineData("frobnicate")]
    [InlineData("tls-auth ta.key 2")]
    [InlineData("remote-cert-tls peer")]
    [InlineData("status-version 4")]
    [InlineData("push \"a,b\"")]
    [InlineData("redirect-gateway def2")]
    [InlineData("ifconfig-pool 10.0.1.100 10.0.1.200")]
    [InlineData("mssfix 1400 foo")]
    [InlineData("verb")]
    public void LineRejectedByOpenVpn_IsRejectedByUs(string line)
    {
        using TempConfigDir dir = JunkCertDir();
        string path = dir.Write("t.conf", "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver 10.0.1.0 255.255.255.0\n" + line + "\n");

        bool openVpnAccepts = OpenVpnReferee.AcceptsOptions(path, out string output);
        var ex = Record.Exception(() => ConfigParser.ParseServer(path));

        Assert.False(openVpnAccepts, output);
        ConfigException ce = Assert.IsType<ConfigException>(ex);
        Assert.Equal(path, ce.SourceName);
        Assert.Equal(7, ce.Line);
    }

    /// <summary>&lt;connection&gt; blocks the real openvpn refuses: we refuse them too, naming the line.</summary>
    [Theory]
    [InlineData("<connection>\nport 1195\n</connection>", 4)] // no remote in the block
    [InlineData("<connection>\nremote 10.0.0.1\ndev tun\n</connection>", 6)] // not a connection option
    [InlineData("<connection>\nremote 10.0.0.1\nproto sctp\n</connection>", 6)]
    [InlineData("<connection>\nremote 10.0.0.1\nverb 4\n</connection>", 6)]
    public void ConnectionBlockRejectedByOpenVpn_IsRejectedByUs(string block, int line)
    {
        using TempConfigDir dir = JunkCertDir();
        string path = dir.Write("c.conf", "client\ndev tun\nca ca.crt\n" + block + "\ncert client.crt\nkey client.key\n");

        bool openVpnAccepts = OpenVpnReferee.AcceptsOptions(path, out string output);
        var ex = Record.Exception(() => ConfigParser.ParseClient(path));

        Assert.False(openVpnAccepts, output);
        ConfigException ce = Assert.IsType<ConfigException>(ex);
        Assert.Equal(path, ce.SourceName);
        Assert.Equal(line, ce.Line);
    }

    [Fact]
    public void ScenarioConfigs_AreAcceptedByBoth()
    {
        using TempConfigDir dir = JunkCertDir();
        string server = dir.Write("server.conf", ScenarioConfigTests.ScenarioServerConf.Replace("log-append /var/log/openvpn.log\n", "", StringComparison.Ordinal));
        string client = dir.Write("client.conf", ScenarioConfigTests.ScenarioClientConf);
        Assert.True(OpenVpnReferee.AcceptsOptions(server, out string so), so);
        Assert.True(OpenVpnReferee.AcceptsOptions(client, out string co), co);
        Assert.NotNull(ConfigParser.ParseServer(server));
        Assert.NotNull(ConfigParser.ParseClient(client));
    }
}
