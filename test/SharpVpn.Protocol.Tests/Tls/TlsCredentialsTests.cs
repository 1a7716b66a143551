using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>
/// Our certificate and key as OpenVPN's 'cert'/'key' give them (easy-rsa writes PKCS#8; older tools SEC1 and PKCS#1;
/// 'askpass' keys are encrypted PKCS#8): loaded into one certificate with its private key, or a clear error.
/// </summary>
public sealed class TlsCredentialsTests
{
    public static TheoryData<string> KeyKinds => ["ec-sec1", "ec-pkcs8", "rsa-pkcs1", "rsa-pkcs8"];

    [Theory]
    [MemberData(nameof(KeyKinds))]
    public void CertificateAndKey_LoadAsOneCertificateThatCanSign(string kind)
    {
        (string certPem, string keyPem) = Issue(kind);
        using X509Certificate2 loaded = TlsCredentials.LoadCertificate(certPem, keyPem, passphrase: null, "test.conf: cert/key", out var chain);
        Assert.True(loaded.HasPrivateKey);
        Assert.Empty(chain);
        AssertKeyMatches(loaded);

        // A passphrase given for a key that is not encrypted is not used.
        using X509Certificate2 again = TlsCredentials.LoadCertificate(certPem, keyPem, "unused", "test.conf: cert/key", out _);
        Assert.True(again.HasPrivateKey);
    }

    [Fact]
    public void EncryptedKey_NeedsItsPassphrase()
    {
        (string certPem, string keyPem) = Issue("ec-encrypted");
        using X509Certificate2 loaded = TlsCredentials.LoadCertificate(certPem, keyPem, "secret", "test.conf: cert/key", out _);
        AssertKeyMatches(loaded);

        FormatException none = Assert.Throws<FormatException>(() => TlsCredentials.LoadCertificate(certPem, keyPem, null, "test.conf: cert/key", out _));
        Assert.Contains("no passphrase", none.Message, StringComparison.Ordinal);
        FormatException wrong = Assert.Throws<FormatException>(() => TlsCredentials.LoadCertificate(certPem, keyPem, "wrong", "test.conf: cert/key", out _));
        Assert.Contains("wrong passphrase", wrong.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ec-sec1")]
    [InlineData("rsa-pkcs8")]
    public void KeyOfAnotherPair_IsRefusedNamingTheSource(string kind)
    {
        (string certPem, _) = Issue(kind);
        (_, string otherKey) = Issue(kind);
        FormatException error = Assert.Throws<FormatException>(() => TlsCredentials.LoadCertificate(certPem, otherKey, null, "test.conf: cert/key", out _));
        Assert.StartsWith("test.conf: cert/key: cannot load the private key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExtraCertificatesAfterOurs_AreTheChainWeSend()
    {
        (string certPem, string keyPem) = Issue("ec-sec1");
        string intermediate = TestPki.Shared.Ca.ExportCertificatePem();
        using X509Certificate2 loaded = TlsCredentials.LoadCertificate(certPem + "\n" + intermediate, keyPem, null, "test.conf", out var chain);
        Assert.Equal(TestPki.Shared.Ca.Thumbprint, Assert.Single(chain).Thumbprint);
        Assert.True(loaded.HasPrivateKey);
    }

    [Fact]
    public void KeysAreReadByLibcrypto_ExceptP256_WhichDotNetImportsFaster()
    {
        using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using ECDsa p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using RSA rsa = RSA.Create(2048);
        Assert.False(TlsCredentials.ReadsKeyWithLibcrypto(SelfSigned(new CertificateRequest("CN=a", p256, HashAlgorithmName.SHA256))));
        Assert.True(TlsCredentials.ReadsKeyWithLibcrypto(SelfSigned(new CertificateRequest("CN=b", p384, HashAlgorithmName.SHA384))));
        Assert.True(TlsCredentials.ReadsKeyWithLibcrypto(SelfSigned(new CertificateRequest("CN=c", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))));

        // Either way the loaded certificate signs with its key (P-384 is easy-rsa's EC default and our PKI's).
        string certPem = SelfSigned(new CertificateRequest("CN=d", p384, HashAlgorithmName.SHA384)).ExportCertificatePem();
        using X509Certificate2 loaded = TlsCredentials.LoadCertificate(certPem, p384.ExportPkcs8PrivateKeyPem(), null, "test.conf", out _);
        AssertKeyMatches(loaded);

        static X509Certificate2 SelfSigned(CertificateRequest request) =>
            request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static void AssertKeyMatches(X509Certificate2 loaded)
    {
        byte[] data = [1, 2, 3];
        if (loaded.GetECDsaPrivateKey() is { } ec)
        {
            using (ec)
            using (ECDsa pub = loaded.GetECDsaPublicKey()!)
            {
                Assert.True(pub.VerifyData(data, ec.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
            }
            return;
        }
        using RSA rsa = loaded.GetRSAPrivateKey()!;
        using RSA rsaPub = loaded.GetRSAPublicKey()!;
        Assert.True(rsaPub.VerifyData(data, rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>A self-signed certificate and its key in the PEM form <paramref name="kind"/> names.</summary>
    private static (string Cert, string Key) Issue(string kind)
    {
        if (kind.StartsWith("rsa", StringComparison.Ordinal))
        {
            using RSA rsa = RSA.Create(2048);
            var request = new CertificateRequest("CN=rsa-test", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            return (cert.ExportCertificatePem(), kind == "rsa-pkcs1" ? rsa.ExportRSAPrivateKeyPem() : rsa.ExportPkcs8PrivateKeyPem());
        }
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var ecRequest = new CertificateRequest("CN=ec-test", ec, HashAlgorithmName.SHA256);
        using X509Certificate2 ecCert = ecRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string key = kind switch
        {
            "ec-sec1" => ec.ExportECPrivateKeyPem(),
            "ec-encrypted" => ec.ExportEncryptedPkcs8PrivateKeyPem("secret",
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)),
            _ => ec.ExportPkcs8PrivateKeyPem(),
        };
        return (ecCert.ExportCertificatePem(), key);
    }
}
