using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>The exact server.conf and client.conf of shared/docs/scenario.md.</summary>
public sealed class ScenarioConfigTests
{
    internal const string ScenarioServerConf = """
        port 1194
        proto udp
        dev tun
        ca ca.crt
        cert server.crt
        key server.key
        dh dh2048.pem
        server 10.0.1.0 255.255.255.0
        push "route 192.168.1.0 255.255.255.0"
        keepalive 10 120
        tls-auth ta.key 0
        cipher AES-256-CBC
        comp-lzo
        persist-key
        persist-tun
        user nobody
        group nobody
        status openvpn-status.log
        log-append /var/log/openvpn.log
        verb 3
        """;

    internal const string ScenarioClientConf = """
        client
        dev tun
        proto udp
        remote 172.16.1.254 1194
        resolv-retry infinite
        nobind
        persist-key
        persist-tun
        ca ca.crt
        cert client.crt
        key client.key
        remote-cert-tls server
        tls-auth ta.key 1
        cipher AES-256-CBC
        comp-lzo
        verb 3
        """;

    [Fact]
    public void ScenarioServerConf_ParsesIntoTheTutorialSettings()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("server.conf", ScenarioServerConf);

        ServerConfig c = ConfigParser.ParseServer(path);

        Assert.Equal(path, c.SourceName);
        Assert.Equal(1194, c.Port);
        Assert.Equal(TransportProtocol.Udp, c.Protocol);
        Assert.Equal("tun", c.Tun.Device);
        Assert.Equal(TempConfigDir.CaPem, c.Tls.CaPem);
        Assert.Equal(TempConfigDir.CertPem, c.Tls.CertPem);
        Assert.Equal(TempConfigDir.KeyPem, c.Tls.KeyPem);
        Assert.Equal(TempConfigDir.DhPem, c.Tls.DhPem);
        Assert.NotNull(c.Tls.TlsAuth);
        Assert.Equal(TempConfigDir.StaticKey, c.Tls.TlsAuth!.Text);
        Assert.Equal(0, c.Tls.TlsAuth.Direction);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "ta.key"), c.Tls.TlsAuth.Source);

        // 2.6: cipher AES-256-CBC is only the OCC cipher; negotiation uses the default data-ciphers.
        Assert.Equal("AES-256-CBC", c.DataChannel.Cipher);
        Assert.Equal(["AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"], c.DataChannel.DataCiphers);
        Assert.Equal("SHA1", c.DataChannel.Auth);
        Assert.Equal(CompressionMode.Lzo, c.DataChannel.Compression);
        Assert.Equal(AllowCompression.Asym, c.DataChannel.AllowCompression);

        Assert.True(c.Process.PersistKey);
        Assert.True(c.Process.PersistTun);
        Assert.Equal("nobody", c.Process.User);
        Assert.Equal("nobody", c.Process.Group);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "openvpn-status.log"), c.Logging.StatusFile);
        Assert.Equal(60, c.Logging.StatusIntervalSeconds);
        Assert.Equal(1, c.Logging.StatusVersion);
        Assert.Equal("/var/log/openvpn.log", c.Logging.LogFile);
        Assert.True(c.Logging.LogAppend);
        Assert.Equal(3, c.Logging.Verb);

        // keepalive 10 120 on a server: ping 10, ping-restart 240 locally; pushes ping 10 / ping-restart 120.
        Assert.Equal(10, c.Keepalive.PingSeconds);
        Assert.Equal(240, c.Keepalive.PingRestartSeconds);

        // net30 (the default): server 10.0.1.1 peer 10.0.1.2, first client 10.0.1.6 with peer 10.0.1.5.
        Assert.Equal(Topology.Net30, c.Tun.Topology);
        Assert.False(c.Tun.TopologyConfigured);
        Assert.Equal(IPAddress.Parse("10.0.1.1"), c.Tun.Ifconfig!.Local);
        Assert.Equal(IPAddress.Parse("10.0.1.2"), c.Tun.Ifconfig.RemoteOrNetmask);
        Assert.NotNull(c.Pool);
        Assert.Equal(IPAddress.Parse("10.0.1.4"), c.Pool!.PoolStart);
        Assert.Equal(IPAddress.Parse("10.0.1.251"), c.Pool.PoolEnd);
        Assert.Equal(62, c.Pool.Size); // pool.c: (((end | 3) + 1) - base) >> 2 = (252 - 4) / 4
        Assert.Equal("ifconfig 10.0.1.6 10.0.1.5", c.Pool.GetAssignment(0).ToPushOption());
        Assert.Equal("ifconfig 10.0.1.10 10.0.1.9", c.Pool.GetAssignment(1).ToPushOption());

        // Global push list in 2.6 order (openvpn-protocol.md §10.5 example).
        Assert.Equal(
            ["route 192.168.1.0 255.255.255.0", "route 10.0.1.1", "topology net30", "ping 10", "ping-restart 120"],
            c.Pushes);

        // The server routes its VPN network into the tun device.
        Assert.Contains(c.Tun.Routes, r => r.Network.Equals(IPAddress.Parse("10.0.1.0")) && r.PrefixLength == 24);

        Assert.Null(c.NatMasquerade);
        Assert.Equal(FirewallMode.Off, c.Firewall);
        Assert.Contains(c.Warnings, w => w.Contains("server.conf:8: option 'server'", StringComparison.Ordinal) && w.Contains("net30", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.Contains("server.conf:12: option 'cipher'", StringComparison.Ordinal));
    }

    [Fact]
    public void ScenarioClientConf_ParsesIntoTheTutorialSettings()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("client.conf", ScenarioClientConf);

        ClientConfig c = ConfigParser.ParseClient(path);

        RemoteEndpoint remote = Assert.Single(c.Remotes);
        Assert.Equal(new RemoteEndpoint("172.16.1.254", 1194, TransportProtocol.Udp, AddressFamilyPreference.Any), remote);
        Assert.False(c.RemoteRandom);
        Assert.Null(c.ResolvRetrySeconds);
        Assert.True(c.Nobind);
        Assert.Null(c.LocalPort);
        Assert.True(c.Pull);
        Assert.Equal("tun", c.Tun.Device);
        Assert.Equal(CertificateRole.Server, c.Tls.RemoteCertTls);
        Assert.Equal(TempConfigDir.CaPem, c.Tls.CaPem);
        Assert.Equal(TempConfigDir.CertPem, c.Tls.CertPem);
        Assert.Equal(TempConfigDir.KeyPem, c.Tls.KeyPem);
        Assert.Equal(1, c.Tls.TlsAuth!.Direction);
        Assert.Equal(TempConfigDir.StaticKey, c.Tls.TlsAuth.Text);
        Assert.Equal("AES-256-CBC", c.DataChannel.Cipher);
        Assert.Equal("SHA1", c.DataChannel.Auth);
        Assert.Equal(CompressionMode.Lzo, c.DataChannel.Compression);
        Assert.Equal(3, c.Logging.Verb);
        Assert.True(c.Process.PersistKey);
        Assert.True(c.Process.PersistTun);
        Assert.Equal(0, c.Keepalive.PingSeconds);
        Assert.Null(c.AuthUserPass);
        Assert.Equal(3600, c.Renegotiation.RenegSeconds);
        Assert.Equal(64, c.DataChannel.ReplayWindow);
    }

    [Fact]
    public void ScenarioServerConf_FromText_ResolvesFilesAgainstTheGivenDirectory()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();

        ServerConfig c = ConfigParser.ParseServerFromText(ScenarioServerConf, "server.conf", dir.DirectoryPath);

        Assert.Equal("server.conf", c.SourceName);
        Assert.Equal(dir.DirectoryPath, c.BaseDirectory);
        Assert.Equal(TempConfigDir.DhPem, c.Tls.DhPem);
    }
}
