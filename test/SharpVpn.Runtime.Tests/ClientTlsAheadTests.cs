using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Runtime.Client;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// The client's first TLS engine started before the engine exists (issue 7, handshake time): the session takes the
/// engine prepared for its config, and tls-verify's check, set once the engine is made, is the one the handshake runs.
/// </summary>
public sealed class ClientTlsAheadTests
{
    [Fact]
    public void TheFirstSession_TakesTheEngineStartedAhead()
    {
        ClientConfig config = Parse(string.Empty);
        using ClientTlsAhead ahead = ClientTlsAhead.Begin(config);
        ClientSessionFactory factory = ahead.Take(config);
        using ITlsEngine engine = factory.CreateSessionOptions().TlsEngineFactory();
        Assert.True(engine.PendingCiphertextBytes > 0, "the engine should come started, its ClientHello queued");
    }

    [Fact]
    public void IsForItsOwnConfig_AndOneEngine()
    {
        ClientConfig config = Parse(string.Empty);
        using ClientTlsAhead ahead = ClientTlsAhead.Begin(config);
        Assert.Throws<ArgumentException>(() => ahead.Take(Parse(string.Empty)));
        _ = ahead.Take(config);
        Assert.Throws<InvalidOperationException>(() => ahead.Take(config));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("refused by the test")]
    public void TlsVerifysCheck_SetAfterTheEngineWasMade_JudgesTheServersChain(string? verdict)
    {
        ClientConfig config = Parse("script-security 2\ntls-verify /bin/true\n");
        using ClientTlsAhead ahead = ClientTlsAhead.Begin(config);
        ClientSessionFactory factory = ahead.Take(config);
        using ITlsEngine client = factory.CreateSessionOptions().TlsEngineFactory(); // made (and started) ahead
        var seen = new List<string>();
        factory.PeerCheck = chain =>
        {
            seen.AddRange(chain.Select(c => c.Subject));
            return verdict;
        };
        TestCertificates pki = TestCertificates.Shared;
        using var server = new SslStreamTlsEngine(new TlsEngineOptions { IsServer = true, Certificate = pki.Server, TrustedCertificateAuthorities = [pki.Ca] });
        server.Start();
        client.Start();
        byte[] buffer = new byte[64 * 1024];
        for (int round = 0; round < 10 && (TlsEnginePump.Move(client, server, buffer) | TlsEnginePump.Move(server, client, buffer)); round++)
        {
        }

        Assert.Equal(["CN=server", "CN=Runtime Test CA"], seen);
        Assert.Equal(verdict is null, client.IsHandshakeComplete);
        if (verdict is not null)
        {
            Assert.Contains(verdict, client.Failure?.Message, StringComparison.Ordinal);
        }
    }

    private static ClientConfig Parse(string extra) => ConfigParser.ParseClientFromText($"""
        client
        dev tun
        remote 192.0.2.1 1194
        {extra}
        {TestCertificates.InlineClientCredentials()}
        """.Replace("\r", "", StringComparison.Ordinal), "ahead.conf", Path.GetTempPath());
}
