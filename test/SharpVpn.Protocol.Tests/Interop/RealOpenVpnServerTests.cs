using System.Diagnostics;
using System.Security.Cryptography;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Tls;
using Xunit.Abstractions;

namespace SharpVpn.Protocol.Tests.Interop;

/// <summary>
/// The referee: a real openvpn 2.6 server on loopback UDP, our client session driven over a real socket.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RealOpenVpnServerTests : IClassFixture<EasyRsaPki>
{
    private readonly EasyRsaPki _pki;
    private readonly ITestOutputHelper _output;

    public RealOpenVpnServerTests(EasyRsaPki pki, ITestOutputHelper output)
    {
        _pki = pki;
        _output = output;
    }

    public static TheoryData<string> Modes => new() { "tls-auth-cbc", "tls-crypt-gcm", "tls-crypt-chacha", "tls-crypt-v2-chacha" };

    [Theory]
    [MemberData(nameof(Modes))]
    public void OurClient_AgainstRealServer_HandshakesGetsPushAndExchangesPings(string mode)
    {
        (string serverExtra, string cipher) = mode switch
        {
            "tls-auth-cbc" => ($"tls-auth {_pki.StaticKeyPath} 0\ndata-ciphers AES-256-CBC\nauth SHA1", "AES-256-CBC"),
            "tls-crypt-chacha" => ($"tls-crypt {_pki.StaticKeyPath}\ndata-ciphers CHACHA20-POLY1305:AES-256-GCM", "CHACHA20-POLY1305"),
            "tls-crypt-v2-chacha" => ($"tls-crypt-v2 {_pki.TlsCryptV2ServerKeyPath}\ndata-ciphers CHACHA20-POLY1305:AES-256-GCM", "CHACHA20-POLY1305"),
            _ => ($"tls-crypt {_pki.StaticKeyPath}", "AES-256-GCM"),
        };
        using var server = new OpenVpnServer(_pki, serverExtra);
        using var driver = new UdpSessionDriver(server.EndPoint);
        long start = driver.Now;
        driver.Session = TunnelSession.CreateClient(ClientOptions(mode, cipher), driver.Now);
        try
        {
            bool connected = driver.RunUntil(() => driver.Session.IsConnected || driver.Session.IsClosed, TimeSpan.FromSeconds(30));
            long handshakeMs = driver.Now - start;
            _output.WriteLine($"[{mode}] our client: start -> keys ready in {handshakeMs} ms; events: {string.Join("; ", driver.Events)}");
            Assert.True(connected && driver.Session.IsConnected, $"not connected: {string.Join("; ", driver.Events)}\n{server.Log}");

            IReadOnlyList<string> pushed = driver.Session.PushedOptions;
            _output.WriteLine("PUSH_REPLY options: " + string.Join(",", pushed));
            Assert.Contains(pushed, o => o.StartsWith("ifconfig 10.213.77.", StringComparison.Ordinal));
            Assert.Contains("route 10.99.0.0 255.255.0.0", pushed);
            Assert.Contains(pushed, o => o.StartsWith("peer-id ", StringComparison.Ordinal));
            Assert.Equal(cipher, driver.Session.DataCipher);
            Assert.True(driver.Session.DataPeerId >= 0, "P_DATA_V2 with the pushed peer-id");
            Assert.True(server.WaitForLog("Peer Connection Initiated", TimeSpan.FromSeconds(5)), server.Log);

            // keepalive 1 10: the server pings every second; ours go out on PingDue (pushed "ping 1") and explicitly.
            for (int i = 0; i < 3; i++)
            {
                driver.SendPing();
            }
            Assert.True(driver.RunUntil(() => driver.PingsReceived >= 3, TimeSpan.FromSeconds(10)),
                $"pings {driver.PingsReceived}, failures {string.Join(",", driver.Failures)}");
            driver.RunUntil(() => false, TimeSpan.FromSeconds(2));
            Assert.Equal(0, driver.DecryptFailures);
            Assert.Equal(0, driver.OtherDataReceived);
            Assert.False(driver.Session.IsClosed, string.Join("; ", driver.Events));

            string log = server.Log;
            Assert.DoesNotContain("Decrypt error", log, StringComparison.Ordinal);
            Assert.DoesNotContain("Authenticate/Decrypt packet error", log, StringComparison.Ordinal);
            Assert.DoesNotContain("TLS Error", log, StringComparison.Ordinal);
            Assert.DoesNotContain("packet HMAC authentication failed", log, StringComparison.Ordinal);
            Assert.Contains($"Data Channel: cipher '{cipher}'", log, StringComparison.Ordinal);

            Assert.True(driver.Session.SendExitNotify(driver.Now), "cc-exit negotiated with a 2.6 server");
            driver.RunUntil(() => driver.Session.OutgoingCount == 0, TimeSpan.FromSeconds(2));
            // push.c receive_exit_message: "CC-EEN exit message received by peer", then the instance is scheduled to exit.
            Assert.True(server.WaitForLog("CC-EEN exit message received by peer", TimeSpan.FromSeconds(5)),
                "server did not log our EXIT: " + string.Join('\n', server.Log.Split('\n').TakeLast(15)));
            foreach (string line in server.Log.Split('\n').Where(l => l.Contains("WARNING", StringComparison.Ordinal) || l.Contains("Options", StringComparison.Ordinal)))
            {
                _output.WriteLine("server: " + line.Trim());
            }
        }
        finally
        {
            driver.Session.Dispose();
        }
    }

    [Fact]
    public void OurClient_Renegotiation_WithRealServerRenegSec_KeepsPinging()
    {
        using var server = new OpenVpnServer(_pki, $"tls-crypt {_pki.StaticKeyPath}\nreneg-sec 4");
        using var driver = new UdpSessionDriver(server.EndPoint);
        driver.Session = TunnelSession.CreateClient(ClientOptions("tls-crypt", "AES-256-GCM"), driver.Now);
        try
        {
            Assert.True(driver.RunUntil(() => driver.Session.IsConnected, TimeSpan.FromSeconds(30)), string.Join("; ", driver.Events));
            Assert.True(driver.RunUntil(() => driver.Session.KeyChanges >= 3 || driver.Session.IsClosed, TimeSpan.FromSeconds(40)),
                $"key changes {driver.Session.KeyChanges}: {string.Join("; ", driver.Events)}");
            int before = driver.PingsReceived;
            driver.RunUntil(() => driver.PingsReceived >= before + 2, TimeSpan.FromSeconds(5));
            _output.WriteLine($"key changes {driver.Session.KeyChanges}, pings {driver.PingsReceived}, decrypt failures {driver.DecryptFailures} ({string.Join(",", driver.Failures)})");
            Assert.False(driver.Session.IsClosed, string.Join("; ", driver.Events));
            Assert.Equal(0, driver.DecryptFailures);
            Assert.DoesNotContain("Decrypt error", server.Log, StringComparison.Ordinal);
            Assert.DoesNotContain("TLS Error", server.Log, StringComparison.Ordinal);
        }
        finally
        {
            driver.Session.Dispose();
        }
    }

    [Fact]
    public void RevokedClient_IsRefusedByRealServerWithCrlVerify()
    {
        using var server = new OpenVpnServer(_pki, $"tls-crypt {_pki.StaticKeyPath}\ncrl-verify {_pki.CrlPath}");
        using var driver = new UdpSessionDriver(server.EndPoint);
        driver.Session = TunnelSession.CreateClient(ClientOptions("tls-crypt", "AES-256-GCM", revoked: true), driver.Now);
        try
        {
            driver.RunUntil(() => driver.Session.IsClosed, TimeSpan.FromSeconds(15));
            Assert.False(driver.Session.IsConnected);
            Assert.True(server.WaitForLog("certificate revoked", TimeSpan.FromSeconds(5)), server.Log);
        }
        finally
        {
            driver.Session.Dispose();
        }
    }

    private TunnelSessionOptions ClientOptions(string mode, string cipher, bool revoked = false)
    {
        X509Certificate2Wrapper creds = revoked
            ? new(_pki.RevokedCert, _pki.RevokedKey)
            : new(File.ReadAllText(_pki.CertPath("client1")), File.ReadAllText(_pki.KeyPath("client1")));
        var cert = TlsCredentials.LoadCertificate(creds.Cert, creds.Key, null, "client1", out var chain);
        var cas = TlsCredentials.LoadCertificates(File.ReadAllText(_pki.CaPath), _pki.CaPath);
        var key = StaticKey.Parse(File.ReadAllText(_pki.StaticKeyPath), _pki.StaticKeyPath);
        bool tlsAuth = mode.StartsWith("tls-auth", StringComparison.Ordinal);
        IReadOnlyList<string> ciphers = [cipher];
        return new TunnelSessionOptions
        {
            IsServer = false,
            TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
            {
                IsServer = false, Certificate = cert, CertificateChain = chain, TrustedCertificateAuthorities = cas,
                RemoteCertTls = RemoteCertTls.Server,
            }),
            Wrap = tlsAuth ? new TlsAuth(key, KeyDirection.Inverse, HashAlgorithmName.SHA1)
                : mode.StartsWith("tls-crypt-v2", StringComparison.Ordinal)
                    ? new TlsCryptV2ClientWrap(TlsCryptV2ClientKey.Parse(File.ReadAllText(_pki.TlsCryptV2ClientKeyPath), _pki.TlsCryptV2ClientKeyPath))
                    : new TlsCrypt(key, isServer: false),
            OptionsString = new OccOptionsString { Cipher = cipher, Auth = "SHA1", DataCiphers = ciphers, TlsAuth = tlsAuth }.Build(),
            PeerInfo = PeerInfo.BuildClient(ciphers, IvProtoFlags.DataV2 | IvProtoFlags.RequestPush | IvProtoFlags.CcExitNotify),
            DataCiphers = ciphers,
            Auth = "SHA1",
            NetTimeSeconds = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        };
    }

    private sealed record X509Certificate2Wrapper(string Cert, string Key);

    /// <summary>Our client, warm (after one JIT warm-up run): start to keys ready, 5 runs against one server.</summary>
    [Fact]
    public void Measure_OurClientHandshakeTime()
    {
        using var server = new OpenVpnServer(_pki, $"tls-crypt {_pki.StaticKeyPath}");
        var times = new List<long>();
        for (int i = 0; i < 6; i++)
        {
            using var driver = new UdpSessionDriver(server.EndPoint);
            long start = driver.Now;
            driver.Session = TunnelSession.CreateClient(ClientOptions("tls-crypt", "AES-256-GCM"), driver.Now);
            try
            {
                Assert.True(driver.RunUntil(() => driver.Session.IsConnected, TimeSpan.FromSeconds(30)), string.Join("; ", driver.Events));
                times.Add(driver.Now - start);
                driver.Session.SendExitNotify(driver.Now);
                driver.RunUntil(() => driver.Session.OutgoingCount == 0, TimeSpan.FromSeconds(1));
            }
            finally
            {
                driver.Session.Dispose();
            }
        }
        _output.WriteLine($"our client: start -> keys ready: first (cold) {times[0]} ms, warm runs {string.Join(", ", times.Skip(1))} ms");
    }

    /// <summary>The real openvpn client against the same server: start to "Initialization Sequence Completed".</summary>
    [Fact]
    public void Measure_RealOpenVpnClientHandshakeTime()
    {
        using var server = new OpenVpnServer(_pki, $"tls-crypt {_pki.StaticKeyPath}");
        string log = Path.Combine(server.Dir, "client.log");
        var psi = new ProcessStartInfo(OpenVpnServer.OpenVpnPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            "--client", "--dev", "null", "--ifconfig-noexec", "--route-noexec", "--nobind", "--proto", "udp",
            "--remote", "127.0.0.1", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ca", _pki.CaPath, "--cert", _pki.CertPath("client1"), "--key", _pki.KeyPath("client1"),
            "--tls-crypt", _pki.StaticKeyPath, "--remote-cert-tls", "server", "--verb", "3", "--log", log,
        })
        {
            psi.ArgumentList.Add(a);
        }
        var sw = Stopwatch.StartNew();
        using Process p = Process.Start(psi)!;
        try
        {
            while (sw.Elapsed < TimeSpan.FromSeconds(30)
                && !(File.Exists(log) && OpenVpnServer.ReadShared(log).Contains("Initialization Sequence Completed", StringComparison.Ordinal)))
            {
                Thread.Sleep(5);
            }
            _output.WriteLine($"real openvpn client: start -> Initialization Sequence Completed in {sw.ElapsedMilliseconds} ms");
            Assert.Contains("Initialization Sequence Completed", OpenVpnServer.ReadShared(log), StringComparison.Ordinal);
        }
        finally
        {
            p.Kill();
            p.WaitForExit(5000);
        }
    }
}
