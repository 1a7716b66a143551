using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Runtime.Tests;

/// <summary>A throwaway EC CA with a server (serverAuth) and a client (clientAuth) certificate.</summary>
internal sealed class TestCertificates
{
    private static readonly Lazy<TestCertificates> s_shared = new(() => new TestCertificates());

    private TestCertificates()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=Runtime Test CA", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false));
        Ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        Server = Issue("CN=server", "1.3.6.1.5.5.7.3.1", 2);
        Client = Issue("CN=client", "1.3.6.1.5.5.7.3.2", 3);
    }

    public static TestCertificates Shared => s_shared.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public static string CertificatePem(X509Certificate2 c) => c.ExportCertificatePem();

    public static string KeyPem(X509Certificate2 c) => c.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem();

    /// <summary>Inline &lt;ca&gt;, &lt;cert&gt; and &lt;key&gt; blocks of a client config; <paramref name="keyOf"/> (default: the client) owns the key.</summary>
    public static string InlineClientCredentials(X509Certificate2? keyOf = null)
    {
        TestCertificates pki = Shared;
        return $"<ca>\n{CertificatePem(pki.Ca)}\n</ca>\n<cert>\n{CertificatePem(pki.Client)}\n</cert>\n<key>\n{KeyPem(keyOf ?? pki.Client)}\n</key>";
    }

    private X509Certificate2 Issue(string subject, string eku, byte serial)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(eku)], false));
        req.CertificateExtensions.Add(new X509AuthorityKeyIdentifierExtension(
            X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false).RawData, false));
        using X509Certificate2 cert = req.Create(Ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddMonths(6), [serial, 1, 2, 3]);
        return cert.CopyWithPrivateKey(key);
    }
}
