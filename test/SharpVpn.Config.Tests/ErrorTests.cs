namespace SharpVpn.Config.Tests;

/// <summary>Every rejected config names the file, the line and the option, in one sentence.</summary>
public sealed class ErrorTests
{
    private static ConfigException ServerError(string text, TempConfigDir dir) =>
        Assert.Throws<ConfigException>(() => ConfigParser.ParseServerFromText(text, "server.conf", dir.DirectoryPath));

    private static ConfigException ClientError(string text, TempConfigDir dir) =>
        Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(text, "client.ovpn", dir.DirectoryPath));

    private static string WithLine(string baseConf, int lineNumber, string line)
    {
        var lines = baseConf.Split('\n').ToList();
        lines.Insert(lineNumber - 1, line);
        return string.Join('\n', lines);
    }

    [Theory]
    [InlineData("port 70000", "server.conf:7: option 'port': '70000' is not a port number")]
    [InlineData("port 0", "server.conf:7: option 'port': '0' is not a port number")]
    [InlineData("port abc", "server.conf:7: option 'port': 'abc' is not a port number")]
    [InlineData("port", "server.conf:7: option 'port': missing argument (usage: port N: local and remote port (default 1194))")]
    [InlineData("verb 3 4", "server.conf:7: option 'verb': expects at most 1 argument(s), got 2 (usage: verb 0..15: log verbosity (default 1))")]
    [InlineData("verb 16", "server.conf:7: option 'verb': '16' is not a number between 0 and 15")]
    [InlineData("frobnicate yes", "server.conf:7: unknown option 'frobnicate'")]
    [InlineData("proto sctp", "server.conf:7: option 'proto': 'sctp' is not one of udp|udp4|udp6|tcp|tcp4|tcp6|tcp-client|tcp4-client|tcp6-client|tcp-server|tcp4-server|tcp6-server")]
    [InlineData("topology star", "server.conf:7: option 'topology': 'star' is not one of net30|p2p|subnet")]
    [InlineData("push \"route 10.0.0.0 255.0.0.0", "server.conf:7: option 'push': no closing quotation (\") on this line")]
    [InlineData("cipher ROT13", "server.conf:7: option 'cipher': 'ROT13' is not a supported data cipher (AES-128-GCM, AES-192-GCM, AES-256-GCM, CHACHA20-POLY1305, AES-128-CBC, AES-192-CBC, AES-256-CBC)")]
    [InlineData("dev tap", "server.conf:7: option 'dev': 'tap' (layer-2 tap device) is not supported by SharpVPN; use 'dev tun'")]
    [InlineData("fragment 1300", "server.conf:7: option 'fragment' is not supported by SharpVPN: OpenVPN's internal fragmentation changes the data-packet format; remove it on both sides and use mssfix")]
    [InlineData("plugin /usr/lib/openvpn/openvpn-plugin-ldap.so ldap.conf", "server.conf:7: option 'plugin': only OpenVPN's openvpn-plugin-auth-pam.so is supported (SharpVPN talks to PAM itself); for other plugins use an auth-user-pass-verify script")]
    [InlineData("auth-user-pass-verify /bin/true via-file", "server.conf:7: option 'auth-user-pass-verify': needs 'script-security 2' or higher to run '/bin/true'; it is 1")]
    [InlineData("auth-user-pass-verify /bin/true via-pipe", "server.conf:7: option 'auth-user-pass-verify': method 'via-pipe' is neither via-file nor via-env")]
    [InlineData("client-connect /bin/true", "server.conf:7: option 'client-connect': needs 'script-security 2' or higher to run '/bin/true'; it is 1")]
    [InlineData("tls-crypt-v2-verify /bin/true", "server.conf:7: option 'tls-crypt-v2-verify': needs 'script-security 2' or higher to run '/bin/true'; it is 1")]
    [InlineData("server-bridge 10.8.0.4 255.255.255.0 10.8.0.50 10.8.0.100", "server.conf:7: option 'server-bridge' is not supported by SharpVPN: layer-2 bridging (tap) is not available; use 'server NETWORK NETMASK' with dev tun")]
    [InlineData("keepalive 10 15", "server.conf:7: option 'keepalive': the timeout (15) must be at least twice the ping interval (10); 'keepalive 10 60' is a good choice")]
    [InlineData("client", "server.conf:7: option 'client': this is a client config; run it with 'sharpvpn client --config'")]
    [InlineData("status-version 4", "server.conf:7: option 'status-version': '4' is not a number between 1 and 3")]
    [InlineData("push \"a,b\"", "server.conf:7: option 'push': 'a,b' contains a comma, which would split it into two pushed options")]
    [InlineData("nat-masquerade auto eth1", "server.conf:7: option 'nat-masquerade': 'auto' stands alone (it means the default route's interface)")]
    [InlineData("nat-masquerade eth1 eth1", "server.conf:7: option 'nat-masquerade': interface 'eth1' is named twice")]
    [InlineData("nat-masquerade eth1 eth2;", "server.conf:7: option 'nat-masquerade': 'eth2;' is not an interface name or 'auto'")]
    public void ServerConf_BadLine_NamesFileLineAndOption(string badLine, string expected)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ConfigException ex = ServerError(WithLine(ScenarioConfigTests.ScenarioServerConf, 7, badLine), dir);
        Assert.Equal(expected, ex.Message);
        Assert.Equal("server.conf", ex.SourceName);
        Assert.Equal(7, ex.Line);
    }

    [Theory]
    [InlineData("server 10.0.1.0 255.255.0.255", "server.conf:8: option 'server': '255.255.0.255' is not a netmask")]
    [InlineData("server 10.0.1.300 255.255.255.0", "server.conf:8: option 'server': '10.0.1.300' is not an IPv4 address")]
    [InlineData("server 10.0.1.1 255.255.255.0", "server.conf:8: option 'server': network 10.0.1.1 has host bits set for netmask 255.255.255.0")]
    [InlineData("server 10.0.1.0 255.255.255.252", "server.conf:8: option 'server': netmask 255.255.255.252 is too small for dev tun (must be 255.255.255.248 or larger)")]
    [InlineData("server 10.0.0.0 255.0.0.0", "server.conf:8: option 'server': netmask 255.0.0.0 allows too many addresses (must be 255.255.0.0 or smaller)")]
    public void ServerConf_BadServerLine_NamesIt(string serverLine, string expected)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioServerConf.Replace("server 10.0.1.0 255.255.255.0", serverLine, StringComparison.Ordinal);
        Assert.Equal(expected, ServerError(text, dir).Message);
    }

    [Fact]
    public void MissingReferencedFile_NamesTheLineAndTheFile()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        File.Delete(Path.Combine(dir.DirectoryPath, "ta.key"));
        ConfigException ex = ServerError(ScenarioConfigTests.ScenarioServerConf, dir);
        Assert.Equal($"server.conf:11: option 'tls-auth': file 'ta.key' not found (looked for {Path.Combine(dir.DirectoryPath, "ta.key")})", ex.Message);
    }

    [Fact]
    public void WrongFileKind_IsReportedAtItsLine()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("ta.key", TempConfigDir.CaPem);
        ConfigException ex = ClientError(ScenarioConfigTests.ScenarioClientConf, dir);
        Assert.Equal("client.ovpn:13: option 'tls-auth': file 'ta.key' is not an OpenVPN Static key V1 (no '-----BEGIN OpenVPN Static key V1-----' line)", ex.Message);
    }

    [Fact]
    public void MissingConfigFile_NamesIt()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient("/nonexistent/dir/client.ovpn"));
        Assert.Equal("/nonexistent/dir/client.ovpn: config file not found", ex.Message);
    }

    [Fact]
    public void UnterminatedInlineBlock_InAProfile()
    {
        using var dir = new TempConfigDir();
        ConfigException ex = ClientError("client\nremote 10.0.0.1\n<ca>\n-----BEGIN CERTIFICATE-----\n", dir);
        Assert.Equal("client.ovpn:3: option 'ca': inline block <ca> has no closing </ca>", ex.Message);
    }

    [Theory]
    [InlineData("remote 10.0.0.1 99999", "client.ovpn:4: option 'remote': '99999' is not a port number")]
    [InlineData("remote 10.0.0.1 1194 tcp-server", "client.ovpn:4: option 'remote': 'tcp-server' is a server protocol and cannot be used for a remote")]
    [InlineData("tls-auth ta.key 2", "client.ovpn:4: option 'tls-auth': '2' is not a key direction (0 or 1)")]
    [InlineData("remote-cert-tls peer", "client.ovpn:4: option 'remote-cert-tls': 'peer' is not one of server|client")]
    [InlineData("pull-filter drop route", "client.ovpn:4: option 'pull-filter': 'drop' is not one of accept|ignore|reject")]
    [InlineData("route 192.168.1.0 255.255.255.0 10.0.0.300", "client.ovpn:4: option 'route': '10.0.0.300' is not an IPv4 address")]
    [InlineData("dhcp-option DNS dns.example.com", "client.ovpn:4: option 'dhcp-option': 'dns.example.com' is not an IPv4 address")]
    [InlineData("redirect-gateway def2", "client.ovpn:4: option 'redirect-gateway': 'def2' is not a redirect-gateway flag (local, autolocal, def1, bypass-dhcp, bypass-dns, block-local, ipv6, !ipv4)")]
    [InlineData("<verb>\n3\n</verb>", "client.ovpn:4: option 'verb': cannot be given as an inline block")]
    [InlineData("server 10.8.0.0 255.255.255.0", "client.ovpn:4: option 'server': this is a server config; run it with 'sharpvpn server --config'")]
    [InlineData("secret static.key", "client.ovpn:4: option 'secret' is not supported by SharpVPN: static-key mode is gone from OpenVPN 2.7; use certificates (ca/cert/key)")]
    [InlineData("pkcs12 client.p12", "client.ovpn:4: option 'pkcs12' is not supported by SharpVPN: convert it with 'openssl pkcs12 -in FILE -nodes' and use ca/cert/key")]
    [InlineData("fragment 1300", "client.ovpn:4: option 'fragment' is not supported by SharpVPN: OpenVPN's internal fragmentation changes the data-packet format; remove it on both sides and use mssfix")]
    public void ClientConf_BadLine_NamesFileLineAndOption(string badLine, string expected)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        Assert.Equal(expected, ClientError(WithLine(ScenarioConfigTests.ScenarioClientConf, 4, badLine), dir).Message);
    }

    [Fact]
    public void ClientWithoutRemote_IsRefused()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioClientConf.Replace("remote 172.16.1.254 1194\n", "", StringComparison.Ordinal);
        Assert.Equal("client.ovpn: option 'remote': no server to connect to (add 'remote HOST [PORT]')", ClientError(text, dir).Message);
    }

    [Fact]
    public void ServerWithoutCa_IsRefused()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioServerConf.Replace("ca ca.crt\n", "", StringComparison.Ordinal);
        Assert.Equal("server.conf: option 'ca': is required (the CA certificate that signs the peer), unless 'peer-fingerprint' lists the peer certificates accepted", ServerError(text, dir).Message);
    }

    [Fact]
    public void TlsAuthAndTlsCryptTogether_AreRefused()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        Assert.Contains("mutually exclusive", ServerError(ScenarioConfigTests.ScenarioServerConf + "\ntls-crypt ta.key\n", dir).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerAndExplicitPool_AreRefused()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ConfigException ex = ServerError(ScenarioConfigTests.ScenarioServerConf + "\nifconfig-pool 10.0.1.100 10.0.1.200\n", dir);
        Assert.Equal("server.conf:21: option 'ifconfig-pool': 'server' already defines the pool; remove ifconfig-pool or add 'nopool' to 'server'", ex.Message);
    }

    [Fact]
    public void ServerWithoutDh_IsRefusedLikeOpenVpn26()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioServerConf.Replace("dh dh2048.pem\n", "", StringComparison.Ordinal);
        Assert.Equal("server.conf: option 'dh': is required for a server (a DH parameters file, or 'dh none' for ECDHE only)", ServerError(text, dir).Message);
    }

    [Fact]
    public void ConfigWithoutDev_IsRefusedLikeOpenVpn()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioClientConf.Replace("dev tun\n", "", StringComparison.Ordinal);
        Assert.Equal("client.ovpn: option 'dev': is required (add 'dev tun')", ClientError(text, dir).Message);
    }
}
