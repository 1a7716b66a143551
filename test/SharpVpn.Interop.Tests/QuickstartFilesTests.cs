using System.Net;
using SharpVpn.Config;
using SharpVpn.Runtime.Setup;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Fast checks of what quickstart and profile add write (no namespaces, no root): the server.conf parses with our
/// parser and carries the modern settings, the profile parses as a client config and matches the server, flags
/// change what they should, and the status-file reader understands all three OpenVPN status formats.
/// </summary>
public sealed class QuickstartFilesTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"sharpvpn-qs-test-{Guid.NewGuid():N}");

    [Fact]
    public void ServerConf_ParsesWithModernSettings_AndProfileMatchesIt()
    {
        QuickstartResult result = new Quickstart().Run(new QuickstartOptions
        {
            Directory = _dir,
            PublicAddress = "vpn.example.com",
            Port = 1195,
            PushRoutes = [IPNetwork.Parse("192.168.1.0/24"), IPNetwork.Parse("10.20.0.0/16")],
            Dns = [IPAddress.Parse("192.168.1.53")],
        });

        ServerConfig server = ConfigParser.ParseServer(result.Directory.ServerConfig);
        Assert.Equal(1195, server.Port);
        Assert.Equal(TransportProtocol.Udp, server.Protocol);
        Assert.Equal(["AES-256-GCM", "CHACHA20-POLY1305"], server.DataChannel.DataCiphers);
        Assert.Equal(Topology.Subnet, server.Tun.Topology);
        Assert.NotNull(server.Tls.TlsCrypt);
        Assert.NotNull(server.Tls.CrlPem);
        Assert.Equal(FirewallMode.Open, server.Firewall);
        Assert.NotNull(server.NatMasquerade);
        Assert.Equal(Path.Combine(result.Directory.Root, "management.sock"), server.Logging.Management?.UnixSocketPath);
        Assert.Contains("route 192.168.1.0 255.255.255.0", server.Pushes);
        Assert.Contains("route 10.20.0.0 255.255.0.0", server.Pushes);
        Assert.Contains("dhcp-option DNS 192.168.1.53", server.Pushes);
        Assert.DoesNotContain(server.Pushes, p => p.StartsWith("redirect-gateway", StringComparison.Ordinal));
        string conf = File.ReadAllText(result.Directory.ServerConfig);
        Assert.Contains("\n# --- Certificates", conf, StringComparison.Ordinal);

        string profile = Assert.Single(result.ProfilePaths);
        ClientConfig client = ConfigParser.ParseClient(profile);
        RemoteEndpoint remote = Assert.Single(client.Remotes);
        Assert.Equal(("vpn.example.com", 1195, TransportProtocol.Udp), (remote.Host, remote.Port, remote.Protocol));
        Assert.Equal(CertificateRole.Server, client.Tls.RemoteCertTls);
        Assert.Equal(server.Tls.TlsCrypt!.Text.Trim(), client.Tls.TlsCrypt!.Text.Trim());
        Assert.Equal(server.DataChannel.DataCiphers, client.DataChannel.DataCiphers);
        Assert.Contains("-----BEGIN CERTIFICATE-----", client.Tls.CertPem, StringComparison.Ordinal);
        Assert.Contains("PRIVATE KEY-----", client.Tls.KeyPem, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(profile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(result.Directory.TlsCryptKey));
        }
    }

    [Fact]
    public void FullTunnelTcp_PushesRedirectGateway_MasqueradesOutOfTheDefaultRoute_ProfileSaysTcp()
    {
        QuickstartResult result = new Quickstart().Run(new QuickstartOptions
        {
            Directory = _dir,
            PublicAddress = "203.0.113.7",
            Protocol = "tcp",
            Port = 443,
            Pool = IPNetwork.Parse("10.99.0.0/24"),
            PushRoutes = [],
            FullTunnel = true,
            Clients = 2,
        });

        ServerConfig server = ConfigParser.ParseServer(result.Directory.ServerConfig);
        Assert.Equal(TransportProtocol.Tcp, server.Protocol);
        Assert.Equal(["auto"], server.NatMasquerade);
        Assert.Contains(server.Pushes, p => p.StartsWith("redirect-gateway def1", StringComparison.Ordinal));
        Assert.Equal(IPAddress.Parse("10.99.0.0"), server.ServerNetwork);
        Assert.Equal(2, result.ProfilePaths.Count);
        ClientConfig client = ConfigParser.ParseClient(result.ProfilePaths[1]);
        Assert.Equal(TransportProtocol.Tcp, client.Remotes[0].Protocol);
        Assert.Equal(443, client.Remotes[0].Port);
        Assert.DoesNotContain("explicit-exit-notify", File.ReadAllText(result.Directory.ServerConfig), StringComparison.Ordinal);
    }

    [Fact]
    public void PortShare_OnTcp443_IsWrittenToServerConf_AndRefusedOnUdp()
    {
        QuickstartResult result = new Quickstart().Run(new QuickstartOptions
        {
            Directory = _dir,
            PublicAddress = "203.0.113.7",
            Protocol = "tcp",
            Port = 443,
            PushRoutes = [],
            PortShare = new DnsEndPoint("127.0.0.1", 8443),
        });

        ServerConfig server = ConfigParser.ParseServer(result.Directory.ServerConfig);
        Assert.Equal(new PortShareSettings("127.0.0.1", 8443, null), server.PortShare);
        Assert.Equal((443, TransportProtocol.Tcp), (server.Port, server.Protocol));
        ArgumentException udp = Assert.Throws<ArgumentException>(() => new Quickstart().Run(new QuickstartOptions
        {
            Directory = Path.Combine(_dir, "udp"),
            PublicAddress = "203.0.113.7",
            PushRoutes = [],
            PortShare = new DnsEndPoint("127.0.0.1", 8443),
        }));
        Assert.Contains("--port-share needs --proto tcp", udp.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "udp")), "nothing is written before the flags are checked");
    }

    [Fact]
    public void SecondRun_KeepsEverything_AndNotesFlagsThatDifferFromTheExistingConfig()
    {
        var options = new QuickstartOptions { Directory = _dir, PublicAddress = "198.51.100.1", PushRoutes = [] };
        Assert.False(new Quickstart().Run(options).NothingChanged);
        QuickstartResult second = new Quickstart().Run(options with { Port = 1999 });
        Assert.True(second.NothingChanged);
        Assert.All(second.Steps.Where(s => s.Action != SetupAction.Note), s => Assert.Equal(SetupAction.Kept, s.Action));
        Assert.Contains(second.Steps, s => s.Action == SetupAction.Note && s.What.Contains("port 1194", StringComparison.Ordinal));
    }

    [Fact]
    public void RevokedClient_IsNotIssuedAgainByQuickstart()
    {
        var options = new QuickstartOptions { Directory = _dir, PublicAddress = "198.51.100.1", PushRoutes = [] };
        new Quickstart().Run(options);
        var manager = new ProfileManager(new DataDirectory(_dir));
        RevokeOutcome revoked = manager.Revoke("client1");
        Assert.Single(revoked.DeletedFiles);
        Assert.Contains("No running server", revoked.ServerNotice, StringComparison.Ordinal);

        QuickstartResult again = new Quickstart().Run(options);
        Assert.True(again.NothingChanged);
        Assert.Contains(again.Steps, s => s.Action == SetupAction.Note && s.What.Contains("'client1' is revoked", StringComparison.Ordinal));
        Assert.Contains(manager.List(), p => p.Name == "client1" && p.Status == SharpVpn.Pki.CertStatus.Revoked);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("-x")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    [InlineData("")]
    public void ProfileNames_OutsideEasyRsaRules_AreRefused(string name) =>
        Assert.Throws<ArgumentException>(() => ProfileManager.ValidateName(name));

    [Fact]
    public void StatusFile_AllThreeVersions()
    {
        const string v1 = "OpenVPN CLIENT LIST\nUpdated,2026-11-27 13:00:00\nCommon Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n"
            + "alice,172.16.0.8:51000,100,200,2026-11-27 12:59:00\nROUTING TABLE\nVirtual Address,Common Name,Real Address,Last Ref\n"
            + "10.8.0.2,alice,172.16.0.8:51000,2026-11-27 13:00:00\nGLOBAL STATS\nMax bcast/mcast queue length,0\nEND\n";
        const string v2 = "TITLE,OpenVPN\nTIME,2026-11-27 13:00:00,1\nHEADER,CLIENT_LIST,Common Name,...\n"
            + "CLIENT_LIST,alice,172.16.0.8:51000,10.8.0.2,,100,200,2026-11-27 12:59:00,1,UNDEF,0,0,AES-256-GCM\nEND\n";
        string v3 = v2.Replace(',', '\t');
        foreach (string text in new[] { v1, v2, v3 })
        {
            ConnectedClient c = Assert.Single(StatusFileReader.Parse(text));
            Assert.Equal(("alice", "172.16.0.8:51000", "10.8.0.2", 100L, 200L), (c.CommonName, c.RealAddress, c.VirtualAddress, c.BytesReceived, c.BytesSent));
        }
    }

    [Theory]
    [InlineData("docker0", true)]
    [InlineData("br-1234", true)]
    [InlineData("veth12ab", true)]
    [InlineData("tun0", true)]
    [InlineData("lo", true)]
    [InlineData("eth1", false)]
    [InlineData("ens192", false)]
    public void VirtualInterfaces_AreNeverTheIntranet(string name, bool isVirtual) =>
        Assert.Equal(isVirtual, HostNetworks.IsVirtual(name));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
