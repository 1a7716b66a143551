using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>
/// <c>peer-fingerprint</c> (OpenVPN 2.6 ssl_verify.c / ssl_verify_openssl.c): without a CA any certificate, self-signed
/// included, is accepted by the SHA-256 of its DER alone (OpenVPN ignores every chain error then); with a CA both must
/// hold; remote-cert-tls and verify-x509-name still apply. Real SslStream handshakes in memory.
/// </summary>
public sealed class PeerFingerprintTests
{
    private static readonly Lazy<X509Certificate2> s_server = new(() => SelfSigned("CN=server"));
    private static readonly Lazy<X509Certificate2> s_client = new(() => SelfSigned("CN=client"));
    private static readonly Lazy<X509Certificate2> s_stranger = new(() => SelfSigned("CN=stranger"));

    private static X509Certificate2 Server => s_server.Value;

    private static X509Certificate2 Client => s_client.Value;

    private static X509Certificate2 Stranger => s_stranger.Value;

    [Fact]
    public void SelfSignedOnBothSides_NoCa_HandshakeCompletesByFingerprint()
    {
        var (c, s) = Handshake(Options(false, Client, [Fingerprint(Server)]), Options(true, Server, [Fingerprint(Client)]));
        using (c)
        using (s)
        {
            Assert.Null(c.Failure);
            Assert.Null(s.Failure);
            Assert.True(c.IsHandshakeComplete && s.IsHandshakeComplete);
            Assert.Equal(Client.RawData, s.PeerCertificate!.RawData);
        }
    }

    [Fact]
    public void Server_UnlistedClient_IsRefusedNamingItsFingerprintAsOpenVpnLogsIt()
    {
        var (c, s) = Handshake(Options(false, Stranger, [Fingerprint(Server)]), Options(true, Server, [Fingerprint(Client)]));
        using (c)
        using (s)
        {
            Assert.IsType<AuthenticationException>(s.Failure);
            string colonHex = string.Join(':', Fingerprint(Stranger).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal($"Peer certificate 'CN=stranger' is not listed in peer-fingerprint: certificate hash verification failed. (got certificate fingerprint: {colonHex})",
                s.Failure!.Message);
            Assert.False(s.IsHandshakeComplete);
        }
    }

    [Fact]
    public void Client_WrongServerFingerprint_IsRefused()
    {
        var (c, s) = Handshake(Options(false, Client, [Fingerprint(Stranger)]), Options(true, Server, [Fingerprint(Client)]));
        using (c)
        using (s)
        {
            Assert.Contains("'CN=server' is not listed in peer-fingerprint", c.Failure?.Message, StringComparison.Ordinal);
            Assert.False(c.IsHandshakeComplete);
        }
    }

    [Fact]
    public void AnyOfSeveralFingerprints_IsEnough()
    {
        var (c, s) = Handshake(Options(false, Client, [Fingerprint(Stranger), Fingerprint(Server)]),
            Options(true, Server, [Fingerprint(Stranger), Fingerprint(Client)]));
        using (c)
        using (s)
        {
            Assert.True(c.IsHandshakeComplete && s.IsHandshakeComplete);
        }
    }

    [Fact]
    public void WithoutCa_ValidityDatesAreNotChecked_AsOpenVpnIgnoresChainErrors()
    {
        using X509Certificate2 expired = SelfSigned("CN=old", DateTimeOffset.UtcNow.AddYears(-3), DateTimeOffset.UtcNow.AddYears(-2));
        Assert.Null(Validator([Fingerprint(expired)]).Validate(expired, []));
    }

    [Fact]
    public void WithCa_TheChainAndTheFingerprintAreBothRequired()
    {
        TestPki pki = TestPki.Shared;
        var withCa = new PeerCertificateValidator(new TlsEngineOptions
        {
            IsServer = true,
            Certificate = pki.Server,
            TrustedCertificateAuthorities = pki.Trust(),
            PeerFingerprints = [Fingerprint(pki.Client), Fingerprint(pki.ClientFromOtherCa)],
        });
        Assert.Null(withCa.Validate(pki.Client, []));
        Assert.Contains("not signed by the configured CA", withCa.Validate(pki.ClientFromOtherCa, []), StringComparison.Ordinal);
        Assert.Contains("'CN=revoked' is not listed in peer-fingerprint", withCa.Validate(pki.RevokedClient, []), StringComparison.Ordinal);
    }

    [Fact]
    public void RemoteCertTlsAndVerifyX509Name_StillApply()
    {
        // openssl req -x509 certificates have no key usage: remote-cert-tls refuses them, as in OpenVPN.
        string? role = new PeerCertificateValidator(ClientOptions(remoteCertTls: RemoteCertTls.Server)).Validate(Server, []);
        Assert.Contains("lacks the key usage extension (remote-cert-tls server)", role, StringComparison.Ordinal);

        Assert.Null(new PeerCertificateValidator(ClientOptions(name: new VerifyX509Name("server", X509NameMatch.Name))).Validate(Server, []));
        string? named = new PeerCertificateValidator(ClientOptions(name: new VerifyX509Name("vpn", X509NameMatch.Name))).Validate(Server, []);
        Assert.Contains("does not match verify-x509-name 'vpn'", named, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutTheOption_ASelfSignedPeerIsStillRefused()
    {
        var validator = new PeerCertificateValidator(new TlsEngineOptions
        {
            IsServer = true,
            Certificate = Server,
            TrustedCertificateAuthorities = TestPki.Shared.Trust(),
        });
        Assert.Contains("not signed by the configured CA", validator.Validate(Client, []), StringComparison.Ordinal);
    }

    private static TlsEngineOptions ClientOptions(RemoteCertTls remoteCertTls = RemoteCertTls.None, VerifyX509Name? name = null) => new()
    {
        IsServer = false,
        Certificate = Client,
        TrustedCertificateAuthorities = [],
        PeerFingerprints = [Fingerprint(Server)],
        RemoteCertTls = remoteCertTls,
        VerifyX509Name = name,
    };

    [Fact]
    public void WarmupOfAPkiLessServer_LeavesItServingPinnedClients()
    {
        TlsEngineOptions server = Options(true, Server, [Fingerprint(Client)]);
        ServerHandshakeWarmup.Run(server); // its throw-away client pins our server and is refused by fingerprint

        var (c, s) = Handshake(Options(false, Client, [Fingerprint(Server)]), server);
        using (c)
        using (s)
        {
            Assert.True(c.IsHandshakeComplete && s.IsHandshakeComplete);
        }
    }

    private static PeerCertificateValidator Validator(IReadOnlyList<byte[]> fingerprints) => new(Options(true, Server, fingerprints));

    private static TlsEngineOptions Options(bool isServer, X509Certificate2 own, IReadOnlyList<byte[]> fingerprints) => new()
    {
        IsServer = isServer,
        Certificate = own,
        TrustedCertificateAuthorities = [],
        PeerFingerprints = fingerprints,
    };

    private static byte[] Fingerprint(X509Certificate2 certificate) => SHA256.HashData(certificate.RawData);

    /// <summary>What 'openssl req -x509 -newkey ec' makes: self-signed, basicConstraints CA:TRUE, no key usage.</summary>
    private static X509Certificate2 SelfSigned(string subject, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1));
    }

    private static (SslStreamTlsEngine Client, SslStreamTlsEngine Server) Handshake(TlsEngineOptions client, TlsEngineOptions server)
    {
        var c = new SslStreamTlsEngine(client);
        var s = new SslStreamTlsEngine(server);
        s.Start();
        c.Start();
        TlsPair.Pump(c, s);
        return (c, s);
    }
}
