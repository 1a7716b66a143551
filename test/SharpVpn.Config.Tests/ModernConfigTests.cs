using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>New-deployment configs: AES-256-GCM, topology subnet, tls-crypt / tls-crypt-v2, TCP, inline .ovpn profiles.</summary>
public sealed class ModernConfigTests
{
    [Fact]
    public void ModernServer_TlsCryptGcmSubnet_ComputesPoolAndPushes()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("tc.key", TempConfigDir.StaticKey);
        string path = dir.Write("server.conf", """
            port 1194
            proto udp
            dev tun
            topology subnet
            server 10.8.0.0 255.255.255.0
            ca ca.crt
            cert server.crt
            key server.key
            dh none
            tls-crypt tc.key
            data-ciphers AES-256-GCM:CHACHA20-POLY1305
            data-ciphers-fallback AES-256-GCM
            keepalive 10 60
            push "redirect-gateway def1 bypass-dhcp"
            push "dhcp-option DNS 10.8.0.1"
            explicit-exit-notify 1
            client-config-dir ccd
            ifconfig-pool-persist ipp.txt 300
            status /run/sharpvpn/status.log 10
            status-version 2
            management 127.0.0.1 7505
            nat-masquerade auto
            firewall open
            max-clients 50
            connect-freq 5 10
            reneg-sec 10
            tls-version-min 1.2
            remote-cert-tls client
            disable-dco
            """);

        ServerConfig c = ConfigParser.ParseServer(path);

        Assert.Null(c.Tls.DhPem);
        Assert.Null(c.Tls.TlsAuth);
        Assert.Equal(TempConfigDir.StaticKey, c.Tls.TlsCrypt!.Text);
        Assert.Equal(["AES-256-GCM", "CHACHA20-POLY1305"], c.DataChannel.DataCiphers);
        Assert.Equal("AES-256-GCM", c.DataChannel.DataCiphersFallback);
        Assert.Equal(CompressionMode.None, c.DataChannel.Compression);

        Assert.Equal(Topology.Subnet, c.Tun.Topology);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), c.Tun.Ifconfig!.Local);
        Assert.Equal(IPAddress.Parse("255.255.255.0"), c.Tun.Ifconfig.RemoteOrNetmask);
        Assert.Equal(IPAddress.Parse("10.8.0.2"), c.Pool!.PoolStart);
        Assert.Equal(IPAddress.Parse("10.8.0.254"), c.Pool.PoolEnd);
        Assert.Equal(253, c.Pool.Size);
        Assert.Equal("ifconfig 10.8.0.2 255.255.255.0", c.Pool.GetAssignment(0).ToPushOption());
        Assert.Equal("ifconfig 10.8.0.3 255.255.255.0", c.Pool.GetAssignment(1).ToPushOption());

        Assert.Equal(
            ["redirect-gateway def1 bypass-dhcp", "dhcp-option DNS 10.8.0.1", "route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 60"],
            c.Pushes);
        Assert.Equal(120, c.Keepalive.PingRestartSeconds);
        Assert.Equal(1, c.ExplicitExitNotify);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "ccd"), c.ClientConfigDir);
        Assert.Equal(Path.Combine(dir.DirectoryPath, "ipp.txt"), c.IfconfigPoolPersistFile);
        Assert.Equal(300, c.IfconfigPoolPersistSeconds);
        Assert.Equal("/run/sharpvpn/status.log", c.Logging.StatusFile);
        Assert.Equal(10, c.Logging.StatusIntervalSeconds);
        Assert.Equal(2, c.Logging.StatusVersion);
        Assert.Equal(new ManagementSettings("127.0.0.1", 7505, null, null, null), c.Logging.Management);
        Assert.Equal(["auto"], c.NatMasquerade);
        Assert.Equal(FirewallMode.Open, c.Firewall);
        Assert.Equal(50, c.MaxClients);
        Assert.Equal(new ConnectFrequency(5, 10), c.ConnectFrequency);
        Assert.Equal(10, c.Renegotiation.RenegSeconds);
        Assert.Equal("1.2", c.Tls.TlsVersionMin);
        Assert.Equal(CertificateRole.Client, c.Tls.RemoteCertTls);
        Assert.True(c.Process.DisableDco);
        Assert.Empty(c.Warnings);
    }

    [Fact]
    public void NatMasquerade_NamesSeveralInterfaces()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig c = ConfigParser.ParseServerFromText(
            ScenarioConfigTests.ScenarioServerConf + "\nnat-masquerade eth1 ens4.20 lan2\n", "server.conf", dir.DirectoryPath);
        Assert.Equal(["eth1", "ens4.20", "lan2"], c.NatMasquerade);
    }

    [Fact]
    public void Net30WithClientToClient_PushesTheWholeNetwork()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig c = ConfigParser.ParseServerFromText(
            ScenarioConfigTests.ScenarioServerConf + "\nclient-to-client\n", "server.conf", dir.DirectoryPath);
        Assert.True(c.ClientToClient);
        Assert.Equal(["route 192.168.1.0 255.255.255.0", "route 10.0.1.0 255.255.255.0", "topology net30", "ping 10", "ping-restart 120"], c.Pushes);
    }

    [Fact]
    public void TcpServer_TlsCryptV2_ServerKey()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("v2.key", TempConfigDir.TlsCryptV2Server);
        ServerConfig c = ConfigParser.ParseServerFromText("""
            proto tcp-server
            port 443
            dev tun0
            dh none
            server 10.9.0.0 255.255.255.0
            topology subnet
            ca ca.crt
            cert server.crt
            key server.key
            tls-crypt-v2 v2.key
            data-ciphers CHACHA20-POLY1305
            """, "tcp.conf", dir.DirectoryPath);
        Assert.Equal(TransportProtocol.Tcp, c.Protocol);
        Assert.Equal(443, c.Port);
        Assert.Equal("tun0", c.Tun.Device);
        Assert.Equal(TempConfigDir.TlsCryptV2Server, c.Tls.TlsCryptV2!.Text);
        Assert.Equal(["CHACHA20-POLY1305"], c.DataChannel.DataCiphers);
    }

    [Fact]
    public void InlineOvpnProfile_WithCrLfAndBom_ParsesEveryBlock()
    {
        string profile = string.Join("\r\n",
            "\uFEFF# exported profile",
            "client",
            "dev tun",
            "proto tcp-client",
            "remote vpn1.example.com 443",
            "remote vpn2.example.com 1194 udp",
            "remote 203.0.113.7",
            "remote-random",
            "port 8443",
            "resolv-retry 30",
            "connect-retry 2 60",
            "nobind",
            "remote-cert-tls server",
            "verify-x509-name server.example.com name",
            "data-ciphers AES-256-GCM:AES-128-GCM:?BF-CBC",
            "auth SHA256",
            "key-direction 1",
            "<ca>",
            TempConfigDir.CaPem.TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal),
            "</ca>",
            "<cert>",
            TempConfigDir.CertPem.TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal),
            "</cert>",
            "<key>",
            TempConfigDir.KeyPem.TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal),
            "</key>",
            "<tls-auth>",
            TempConfigDir.StaticKey.TrimEnd('\n').Replace("\n", "\r\n", StringComparison.Ordinal),
            "</tls-auth>",
            "auth-user-pass",
            "pull-filter ignore \"route-ipv6\"",
            "pull-filter reject \"redirect-gateway\"",
            "keepalive 10 60",
            "verb 4",
            "");
        using var dir = new TempConfigDir();
        string path = dir.Write("laptop.ovpn", profile);

        ClientConfig c = ConfigParser.ParseClient(path);

        Assert.Equal(
            [
                new RemoteEndpoint("vpn1.example.com", 443, TransportProtocol.Tcp, AddressFamilyPreference.Any),
                new RemoteEndpoint("vpn2.example.com", 1194, TransportProtocol.Udp, AddressFamilyPreference.Any),
                new RemoteEndpoint("203.0.113.7", 8443, TransportProtocol.Tcp, AddressFamilyPreference.Any),
            ],
            c.Remotes);
        Assert.True(c.RemoteRandom);
        Assert.Equal(30, c.ResolvRetrySeconds);
        Assert.Equal((2, 60), (c.ConnectRetrySeconds, c.ConnectRetryMaxSeconds));
        Assert.Equal(TempConfigDir.CaPem, c.Tls.CaPem);
        Assert.Equal(TempConfigDir.CertPem, c.Tls.CertPem);
        Assert.Equal(TempConfigDir.KeyPem, c.Tls.KeyPem);
        Assert.Equal(TempConfigDir.StaticKey, c.Tls.TlsAuth!.Text);
        Assert.Equal(1, c.Tls.TlsAuth.Direction);
        Assert.Equal(new X509NameCheck("server.example.com", X509NameType.Name), c.Tls.VerifyX509Name);
        Assert.Equal(["AES-256-GCM", "AES-128-GCM"], c.DataChannel.DataCiphers);
        Assert.Equal("SHA256", c.DataChannel.Auth);
        Assert.True(c.AuthUserPass!.NeedsPrompt);
        Assert.Equal([new PullFilter(PullFilterAction.Ignore, "route-ipv6"), new PullFilter(PullFilterAction.Reject, "redirect-gateway")], c.PullFilters);
        Assert.Equal((10, 60), (c.Keepalive.PingSeconds, c.Keepalive.PingRestartSeconds));
        Assert.Equal(4, c.Logging.Verb);
        Assert.Contains(c.Warnings, w => w.StartsWith($"{path}:15: option 'data-ciphers': optional cipher 'BF-CBC'", StringComparison.Ordinal));
    }

    [Fact]
    public void InlineTlsCryptV2AndAuthUserPassBlocks()
    {
        string profile = "client\ndev tun\nremote 10.0.0.1\n<ca>\n" + TempConfigDir.CaPem + "</ca>\n<cert>\n" + TempConfigDir.CertPem + "</cert>\n<key>\n" +
            TempConfigDir.KeyPem + "</key>\n<tls-crypt-v2>\n" + TempConfigDir.TlsCryptV2Client + "</tls-crypt-v2>\n<auth-user-pass>\nalice\ns3cret\n</auth-user-pass>\n" +
            "data-ciphers CHACHA20-POLY1305\n";
        ClientConfig c = ConfigParser.ParseClientFromText(profile, "v2.ovpn", "/nonexistent");
        Assert.Equal(TempConfigDir.TlsCryptV2Client, c.Tls.TlsCryptV2!.Text);
        Assert.Equal(new AuthUserPassSettings("alice", "s3cret", null), c.AuthUserPass);
        Assert.Equal(1194, c.Remotes[0].Port);
        Assert.Null(c.LocalPort);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("port 1195", null)]
    [InlineData("lport 5000", 5000)]
    [InlineData("lport 0", null)]
    [InlineData("bind", 1194)]
    [InlineData("port 1195\nbind", 1195)]
    [InlineData("local 192.0.2.10", 1194)]
    [InlineData("lport 5000\nnobind", null)]
    public void ClientBindsOnlyWhenAskedTo_AsOpenVpn26(string lines, int? expectedPort)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = "client\ndev tun\nremote 10.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\n" + lines.Replace("\\n", "\n", StringComparison.Ordinal) + "\n";
        Assert.Equal(expectedPort, ConfigParser.ParseClientFromText(text, "c.conf", dir.DirectoryPath).LocalPort);
    }

    [Fact]
    public void ServerPushWithABadValue_IsAWarningNamingTheLine()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig c = ConfigParser.ParseServerFromText(
            ScenarioConfigTests.ScenarioServerConf + "\npush \"route 192.168.2.1 255.255.255.0\"\npush \"socket-flags TCP_NODELAY\"\n", "server.conf", dir.DirectoryPath);
        Assert.Contains("server.conf:21: option 'push': 'route 192.168.2.1 255.255.255.0' will be dropped by clients that check pushed options: network 192.168.2.1 has host bits set for netmask 255.255.255.0", c.Warnings);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("socket-flags", StringComparison.Ordinal));
    }

    [Fact]
    public void AuthUserPassFile_AndSetenvOpt_AndIgnoreUnknownOption()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("creds.txt", "bob\r\npw\r\n");
        ClientConfig c = ConfigParser.ParseClientFromText("""
            ignore-unknown-option fancy-new-option
            client
            dev tun
            remote 10.0.0.1 1194
            ca ca.crt
            cert client.crt
            key client.key
            auth-user-pass creds.txt
            setenv opt block-outside-dns
            setenv opt totally-unknown 1
            fancy-new-option yes
            """, "c.conf", dir.DirectoryPath);
        Assert.Equal(new AuthUserPassSettings("bob", "pw", Path.Combine(dir.DirectoryPath, "creds.txt")), c.AuthUserPass);
        Assert.True(c.Tun.BlockOutsideDns);
        Assert.Contains(c.Warnings, w => w.StartsWith("c.conf:9: option 'block-outside-dns'", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.StartsWith("c.conf:10: unknown option 'totally-unknown' is ignored", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.StartsWith("c.conf:11: unknown option 'fancy-new-option' is ignored", StringComparison.Ordinal));
    }

    [Fact]
    public void ExportedProfiles_FromCommonServers_Parse()
    {
        string blocks = "<ca>\n" + TempConfigDir.CaPem + "</ca>\n<cert>\n" + TempConfigDir.CertPem + "</cert>\n<key>\n" + TempConfigDir.KeyPem + "</key>\n";

        // Shape of an OpenVPN Access Server profile.
        string accessServer = """
            # Automatically generated OpenVPN client config file
            setenv FORWARD_COMPATIBLE 1
            client
            server-poll-timeout 4
            nobind
            remote vpn.example.com 1194 udp
            remote vpn.example.com 443 tcp
            dev tun
            dev-type tun
            remote-cert-tls server
            tls-version-min 1.2
            reneg-sec 604800
            tun-mtu 1420
            verb 3
            push-peer-info
            setenv PUSH_PEER_INFO
            auth-user-pass
            static-challenge "Enter Authenticator code" 1
            key-direction 1

            """ + blocks + "<tls-auth>\n" + TempConfigDir.StaticKey + "</tls-auth>\n## -----BEGIN RSA SIGNATURE-----\n## DIGEST:sha256\n";
        ClientConfig a = ConfigParser.ParseClientFromText(accessServer, "as.ovpn", "/nonexistent");
        Assert.Equal(2, a.Remotes.Count);
        Assert.Equal(TransportProtocol.Tcp, a.Remotes[1].Protocol);
        Assert.Equal(1420, a.Tun.TunMtu);
        Assert.Equal(4, a.ServerPollTimeoutSeconds);
        Assert.Equal(1, a.Tls.TlsAuth!.Direction);
        Assert.True(a.PushPeerInfo); // the fuller peer info, with setenv UV_* variables
        Assert.Equal(new StaticChallenge("Enter Authenticator code", true), a.StaticChallenge); // asked with the password

        // Shape of a pfSense / Windows-GUI profile.
        string pfsense = """
            dev tun
            persist-tun
            persist-key
            data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
            data-ciphers-fallback AES-256-CBC
            auth SHA256
            tls-client
            client
            resolv-retry infinite
            remote 198.51.100.1 1194 udp4
            nobind
            verify-x509-name "C=US, ST=State, L=City, O=Org, CN=vpn-server" subject
            remote-cert-tls server
            explicit-exit-notify
            lport 0
            setenv opt block-outside-dns
            route-method exe
            route-delay 2
            dev-node "OpenVPN TAP"

            """ + blocks + "key-direction 1\n<tls-crypt>\n" + TempConfigDir.StaticKey + "</tls-crypt>\n";
        ClientConfig p = ConfigParser.ParseClientFromText(pfsense, "pf.ovpn", "/nonexistent");
        Assert.Equal(AddressFamilyPreference.IPv4, p.Remotes[0].Family);
        Assert.Equal(new X509NameCheck("C=US, ST=State, L=City, O=Org, CN=vpn-server", X509NameType.Subject), p.Tls.VerifyX509Name);
        Assert.Equal("AES-256-CBC", p.DataChannel.DataCiphersFallback);
        Assert.Null(p.LocalPort);
        Assert.Equal(1, p.ExplicitExitNotify);
        Assert.NotNull(p.Tls.TlsCrypt);
        Assert.Contains(p.Warnings, w => w.StartsWith("pf.ovpn:19: option 'dev-node'", StringComparison.Ordinal));
    }
}
