using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>An in-memory EC PKI for tests: a CA, server and client certificates, a foreign CA, a CRL.</summary>
internal sealed class TestPki
{
    private static readonly Lazy<TestPki> s_shared = new(() => new TestPki());
    private long _serial = 0x1000;

    public static TestPki Shared => s_shared.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 OtherCa { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public X509Certificate2 RevokedClient { get; }

    public X509Certificate2 ClientFromOtherCa { get; }

    /// <summary>A "server" certificate with only clientAuth EKU (for remote-cert-tls negative tests).</summary>
    public X509Certificate2 ServerWithoutServerEku { get; }

    public X509Certificate2 ExpiredClient { get; }

    /// <summary>CRL of <see cref="Ca"/> listing <see cref="RevokedClient"/>, valid now.</summary>
    public CertificateRevocationList Crl { get; }

    /// <summary>Same list but with nextUpdate in the past.</summary>
    public CertificateRevocationList ExpiredCrl { get; }

    public string CrlPem { get; }

    private TestPki()
    {
        Ca = CreateCa("CN=SharpVPN Test CA");
        OtherCa = CreateCa("CN=Other CA");
        Server = Issue(Ca, "CN=server", serverAuth: true, clientAuth: false);
        Client = Issue(Ca, "CN=client1", serverAuth: false, clientAuth: true);
        RevokedClient = Issue(Ca, "CN=revoked", serverAuth: false, clientAuth: true);
        ClientFromOtherCa = Issue(OtherCa, "CN=intruder", serverAuth: false, clientAuth: true);
        ServerWithoutServerEku = Issue(Ca, "CN=server", serverAuth: false, clientAuth: true);
        ExpiredClient = Issue(Ca, "CN=expired", serverAuth: false, clientAuth: true,
            notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));

        var builder = new CertificateRevocationListBuilder();
        builder.AddEntry(RevokedClient, DateTimeOffset.UtcNow.AddMinutes(-5));
        byte[] crl = builder.Build(Ca, BigInteger.One, DateTimeOffset.UtcNow.AddDays(30), HashAlgorithmName.SHA256,
            thisUpdate: DateTimeOffset.UtcNow.AddMinutes(-1));
        Crl = CertificateRevocationList.ParseDer(crl, "test crl");
        CrlPem = PemEncoding.WriteString("X509 CRL", crl);
        byte[] expired = builder.Build(Ca, new BigInteger(2), DateTimeOffset.UtcNow.AddDays(-1), HashAlgorithmName.SHA256,
            thisUpdate: DateTimeOffset.UtcNow.AddDays(-10));
        ExpiredCrl = CertificateRevocationList.ParseDer(expired, "expired crl");
    }

    public X509Certificate2Collection Trust(X509Certificate2? ca = null) => [ca ?? Ca];

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddYears(5));
    }

    private X509Certificate2 Issue(X509Certificate2 ca, string subject, bool serverAuth, bool clientAuth,
        DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var ekus = new System.Security.Cryptography.OidCollection();
        if (serverAuth)
        {
            ekus.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1"));
        }
        if (clientAuth)
        {
            ekus.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        }
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(ekus, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial));
        Array.Reverse(serial);
        using X509Certificate2 pub = req.Create(ca, notBefore ?? DateTimeOffset.UtcNow.AddDays(-1), notAfter ?? DateTimeOffset.UtcNow.AddYears(1), serial);
        return pub.CopyWithPrivateKey(key);
    }
}
