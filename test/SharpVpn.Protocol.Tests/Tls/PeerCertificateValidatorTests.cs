using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>
/// The validator judges the chain SslStream already built for the peer (same trust settings) instead of building it
/// a second time in every handshake (issue 7), ignoring only the TLS key usage SslStream asks for.
/// </summary>
public sealed class PeerCertificateValidatorTests
{
    private static readonly TestPki Pki = TestPki.Shared;

    [Fact]
    public void ChainBuiltBySslStream_DecidesInsteadOfANewBuild()
    {
        // Options that trust only the other CA: a build of our own would reject pki.Client ...
        var validator = new PeerCertificateValidator(Options(Pki.OtherCa));
        using X509Chain accepted = BuildAsSslStreamDoes(Pki.Client, Pki.Ca, ClientAuth);
        // ... so acceptance shows the given chain (built against the right CA) was the one judged.
        Assert.Null(validator.Validate(Pki.Client, [], accepted));

        var strict = new PeerCertificateValidator(Options(Pki.Ca));
        using X509Chain untrusted = BuildAsSslStreamDoes(Pki.Client, Pki.OtherCa, ClientAuth);
        string? problem = strict.Validate(Pki.Client, [], untrusted);
        Assert.Contains("not signed by the configured CA", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyUsageSslStreamAsksFor_IsNotRequired()
    {
        // SslStream asks a server's chain for serverAuth; a client certificate (clientAuth only) fails that usage,
        // which OpenVPN does not require without remote-cert-tls.
        using X509Chain chain = BuildAsSslStreamDoes(Pki.Client, Pki.Ca, ServerAuth);
        Assert.Contains(chain.ChainStatus, s => s.Status == X509ChainStatusFlags.NotValidForUsage);
        Assert.Null(new PeerCertificateValidator(Options(Pki.Ca)).Validate(Pki.Client, [], chain));
    }

    [Fact]
    public void WithATestClock_TheValidatorBuildsItsOwnChainAtThatTime()
    {
        using X509Chain now = BuildAsSslStreamDoes(Pki.Client, Pki.Ca, ClientAuth);
        var later = new PeerCertificateValidator(Options(Pki.Ca));
        var tenYears = new PeerCertificateValidator(new TlsEngineOptions
        {
            IsServer = true,
            Certificate = Pki.Server,
            TrustedCertificateAuthorities = Pki.Trust(),
            TimeProvider = new FixedTime(DateTimeOffset.UtcNow.AddYears(10)),
        });
        Assert.Null(later.Validate(Pki.Client, [], now));
        Assert.Contains("has expired", tenYears.Validate(Pki.Client, [], now), StringComparison.Ordinal);
    }

    [Fact]
    public void X509UsernameField_NamesThePeerForVerifyX509Name_AndAPeerWithoutTheFieldIsRefused()
    {
        using X509Chain chain = BuildAsSslStreamDoes(Pki.Client, Pki.Ca, ClientAuth);
        var serial = new PeerNameField("serialNumber", PeerNameSource.CertificateSerial, null);
        var ou = new PeerNameField("OU", PeerNameSource.SubjectAttribute, "2.5.4.11");
        PeerCertificateValidator With(IReadOnlyList<PeerNameField> fields, VerifyX509Name? name) =>
            new(new TlsEngineOptions
            {
                IsServer = true,
                Certificate = Pki.Server,
                TrustedCertificateAuthorities = Pki.Trust(),
                PeerNameFields = fields,
                VerifyX509Name = name,
            });

        Assert.Null(With([PeerNameField.CommonName], new VerifyX509Name("client1")).Validate(Pki.Client, [], chain));
        // verify-x509-name NAME name|name-prefix compares the x509-username-field name, not the CN (ssl_verify.c verify_peer_cert).
        Assert.Null(With([serial], new VerifyX509Name("0x", X509NameMatch.NamePrefix)).Validate(Pki.Client, [], chain));
        Assert.Contains("does not match verify-x509-name 'client1'", With([serial], new VerifyX509Name("client1")).Validate(Pki.Client, [], chain), StringComparison.Ordinal);
        Assert.Equal("VERIFY ERROR: could not extract OU from X509 subject string ('CN=client1') -- note that the field length is limited to 64 characters",
            With([ou], null).Validate(Pki.Client, [], chain));
    }

    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    private static TlsEngineOptions Options(X509Certificate2 ca) => new()
    {
        IsServer = true,
        Certificate = Pki.Server,
        TrustedCertificateAuthorities = Pki.Trust(ca),
    };

    /// <summary>A chain as SslStream builds it for the peer: our policy plus the TLS key usage it expects.</summary>
    private static X509Chain BuildAsSslStreamDoes(X509Certificate2 peer, X509Certificate2 ca, Oid usage)
    {
        var chain = new X509Chain { ChainPolicy = PeerCertificateValidator.PeerChainPolicy(Options(ca)) };
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        _ = chain.Build(peer);
        return chain;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
