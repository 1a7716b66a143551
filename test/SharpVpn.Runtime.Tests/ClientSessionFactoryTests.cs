using SharpVpn.Config;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.Client;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Tests;

public sealed class ClientSessionFactoryTests
{
    private static readonly string s_staticKey = MakeStaticKey();

    [Fact]
    public void TutorialConfig_MapsToTlsAuthCompLzoAndAnOccStringLike24()
    {
        ClientConfig config = Parse($"""
            client
            dev tun
            proto udp
            remote 172.16.1.254 1194
            cipher AES-256-CBC
            auth SHA1
            comp-lzo
            key-direction 1
            remote-cert-tls server
            {Inline()}
            <tls-auth>
            {s_staticKey}</tls-auth>
            """);
        var factory = new ClientSessionFactory(config);
        Assert.Equal(CompressionFramingMode.Lzo, factory.Framing);
        Assert.Contains(",comp-lzo", factory.OptionsString, StringComparison.Ordinal);
        Assert.Contains(",tls-auth", factory.OptionsString, StringComparison.Ordinal);
        Assert.Contains(",proto UDPv4", factory.OptionsString, StringComparison.Ordinal);
        Assert.EndsWith(",key-method 2,tls-client", factory.OptionsString, StringComparison.Ordinal);
        var options = factory.CreateSessionOptions();
        Assert.IsType<TlsAuth>(options.Wrap);
        Assert.False(options.IsServer);
        Assert.Contains("IV_PROTO=454\n", options.PeerInfo, StringComparison.Ordinal); // DATA_V2 | REQUEST_PUSH | DNS_OPTION | CC_EXIT | AUTH_FAIL_TEMP
        Assert.NotSame(options.Wrap, factory.CreateSessionOptions().Wrap); // replay state is per session
    }

    [Fact]
    public void ModernConfig_MapsToTlsCryptTcpAndNoFraming()
    {
        ClientConfig config = Parse($"""
            client
            dev tun
            proto tcp-client
            remote vpn.example.com 443
            data-ciphers AES-256-GCM:CHACHA20-POLY1305
            reneg-sec 600
            keepalive 10 60
            {Inline()}
            <tls-crypt>
            {s_staticKey}</tls-crypt>
            """);
        var factory = new ClientSessionFactory(config);
        Assert.Equal(CompressionFramingMode.None, factory.Framing);
        Assert.Contains(",proto TCPv4_CLIENT", factory.OptionsString, StringComparison.Ordinal);
        var options = factory.CreateSessionOptions();
        Assert.IsType<TlsCrypt>(options.Wrap);
        Assert.Equal(600_000, options.RenegotiateMs);
        Assert.Equal(10_000, options.PingIntervalMs);
        Assert.Equal(60_000, options.PingRestartMs);
        Assert.Equal(["AES-256-GCM", "CHACHA20-POLY1305"], options.DataCiphers);
    }

    [Theory]
    [InlineData(CompressionMode.None, CompressionFramingMode.None)]
    [InlineData(CompressionMode.Lzo, CompressionFramingMode.Lzo)]
    [InlineData(CompressionMode.LzoNo, CompressionFramingMode.LzoStub)]
    [InlineData(CompressionMode.Stub, CompressionFramingMode.Stub)]
    [InlineData(CompressionMode.StubV2, CompressionFramingMode.StubV2)]
    [InlineData(CompressionMode.Lz4, CompressionFramingMode.Lz4)]
    [InlineData(CompressionMode.Lz4V2, CompressionFramingMode.Lz4V2)]
    public void CompressionOptions_MapToFramingWithoutEverCompressing(CompressionMode mode, CompressionFramingMode framing) =>
        Assert.Equal(framing, ClientSessionFactory.MapFraming(mode));

    [Fact]
    public void Credentials_LoadWhenFirstNeeded_AndAKeyThatDoesNotMatchFailsThenWithTheSameMessage()
    {
        TestCertificates pki = TestCertificates.Shared;
        // The server's key with the client's certificate: parsing the config succeeds, loading the pair cannot.
        ClientConfig config = Parse($"""
            client
            dev tun
            remote 172.16.1.254 1194
            <ca>
            {TestCertificates.CertificatePem(pki.Ca)}
            </ca>
            <cert>
            {TestCertificates.CertificatePem(pki.Client)}
            </cert>
            <key>
            {TestCertificates.KeyPem(pki.Server)}
            </key>
            """);
        var factory = new ClientSessionFactory(config); // no OpenSSL work yet: the first reset need not wait for it
        TunnelSessionOptions options = factory.CreateSessionOptions();
        var first = Assert.Throws<FormatException>(() => options.TlsEngineFactory());
        Assert.Contains("cannot load the private key (the key does not match the certificate", first.Message, StringComparison.Ordinal);
        Assert.Same(first, Assert.Throws<FormatException>(() => factory.TlsOptions));
    }

    [Fact]
    public void Credentials_Valid_LoadOnceForAllSessions()
    {
        ClientConfig config = Parse($"""
            client
            dev tun
            remote 172.16.1.254 1194
            {Inline()}
            """);
        var factory = new ClientSessionFactory(config);
        Assert.Same(factory.TlsOptions, factory.TlsOptions);
        Assert.Equal("CN=client", factory.TlsOptions.Certificate!.Subject);
        Assert.True(factory.TlsOptions.Certificate!.HasPrivateKey);
        Assert.True(factory.TlsOptions.RequiresPeerCertificate); // a client always requires the server's certificate
    }

    [Theory]
    [InlineData(VerifyClientCert.None, ClientCertificateMode.None)]
    [InlineData(VerifyClientCert.Optional, ClientCertificateMode.Optional)]
    [InlineData(VerifyClientCert.Require, ClientCertificateMode.Required)]
    public void VerifyClientCert_MapsToTheTlsLayersMode(VerifyClientCert option, ClientCertificateMode mode)
    {
        Assert.Equal(mode, TlsOptionsFactory.ClientCertificateModeOf(option));
    }

    [Fact]
    public void StatusFile_HasTheClientFormat()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpvpn-status-{Guid.NewGuid():N}.txt");
        try
        {
            StatusFile.Write(path, pipe: null, totalTunRead: 10, totalTunWrite: 20, totalLinkRead: 30, totalLinkWrite: 40, compression: true);
            string[] lines = File.ReadAllLines(path);
            Assert.Equal("OpenVPN STATISTICS", lines[0]);
            Assert.StartsWith("Updated,", lines[1], StringComparison.Ordinal);
            Assert.Equal(
                ["TUN/TAP read bytes,10", "TUN/TAP write bytes,20", "TCP/UDP read bytes,30", "TCP/UDP write bytes,40", "Auth read bytes,30",
                    "pre-compress bytes,10", "post-compress bytes,10", "pre-decompress bytes,20", "post-decompress bytes,20", "END"],
                lines[2..]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AuthNoCache_EachConnectionReadsTheFileAgain_TypedCredentialsServeOneLogin_ATokenNeedsNoRead()
    {
        string dir = Directory.CreateTempSubdirectory("sv-nocache").FullName;
        try
        {
            string file = Path.Combine(dir, "up.txt");
            File.WriteAllText(file, "alice\nfirst\n");
            ClientConfig config = Parse($"client\ndev tun\nremote 192.0.2.1\nauth-user-pass {file}\nauth-nocache\n{Inline()}");
            var factory = new ClientSessionFactory(config);
            int reads = 0;
            factory.ReadCredentialsAgain = () => { reads++; return ClientCredentials.ReadAgain(config, prompt: null); };

            File.WriteAllText(file, "alice\nsecond\n");
            TunnelSessionOptions reconnect = factory.CreateSessionOptions();
            Assert.Equal(("alice", "second"), (reconnect.Username, reconnect.Password));
            File.WriteAllText(file, "bob\nthird\n");
            Assert.Equal(("bob", "third"), reconnect.ReadCredentialsAgain!()); // the renegotiation's read

            factory.Credentials = ("carol", "typed"); // e.g. asked again after AUTH_FAILED (auth-retry interact)
            TunnelSessionOptions typed = factory.CreateSessionOptions();
            Assert.Equal(("carol", "typed"), (typed.Username, typed.Password));
            TunnelSessionOptions next = factory.CreateSessionOptions();
            Assert.Equal(("bob", "third"), (next.Username, next.Password)); // typed ones served one login

            int before = reads;
            TunnelSessionOptions withToken = factory.CreateSessionOptions(authToken: "SESS_ID_AT_x");
            Assert.Equal(before, reads); // the pushed token stands in for the password: nothing read
            Assert.NotNull(withToken.Password);

            File.Delete(file);
            ClientFatalException gone = Assert.Throws<ClientFatalException>(() => factory.CreateSessionOptions());
            Assert.Contains(file, gone.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void WithoutAuthNoCache_TheConfigsCredentialsAreKept_AndControlCharactersDropped()
    {
        ClientConfig config = Parse($"client\ndev tun\nremote 192.0.2.1\n<auth-user-pass>\nal\u0001ice\npw\n</auth-user-pass>\n{Inline()}");
        var factory = new ClientSessionFactory(config) { ReadCredentialsAgain = () => throw new InvalidOperationException("not under auth-nocache") };
        TunnelSessionOptions options = factory.CreateSessionOptions();
        Assert.Equal(("alice", "pw"), (options.Username, options.Password));
        Assert.Null(options.ReadCredentialsAgain);
    }

    private static ClientConfig Parse(string text)
    {
        string dir = Path.GetTempPath();
        return ConfigParser.ParseClientFromText(text.Replace("\r", "", StringComparison.Ordinal), "test.ovpn", dir);
    }

    private static string Inline() => TestCertificates.InlineClientCredentials();

    private static string MakeStaticKey()
    {
        var sb = new System.Text.StringBuilder("-----BEGIN OpenVPN Static key V1-----\n");
        byte[] key = System.Security.Cryptography.RandomNumberGenerator.GetBytes(256);
        for (int i = 0; i < 16; i++)
        {
            sb.Append(Convert.ToHexStringLower(key, i * 16, 16)).Append('\n');
        }

        return sb.Append("-----END OpenVPN Static key V1-----\n").ToString();
    }
}
