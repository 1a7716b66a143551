using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki.Tests;

/// <summary>
/// EdDSA (easy-rsa's --use-algo=ed): Ed25519 CAs, leaves, requests, keys and CRLs, checked by
/// the real openssl; and every mix with RSA/ECDSA CAs and leaves.
/// </summary>
public sealed class Ed25519Tests : IDisposable
{
    private static readonly KeyOptions Ed = new() { Algorithm = KeyAlgorithm.Ed };
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CertificateAuthority NewCa(KeyOptions caKey)
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.DurableWrites = false;
        ca.BuildCa(new CaOptions { CommonName = "Ed CA", Key = caKey });
        return ca;
    }

    [Fact]
    public void AllEd25519Chain_VerifiesAndShowsEd25519()
    {
        CertificateAuthority ca = NewCa(Ed);
        IssuedCertificate server = ca.BuildServerFull("server", Ed);
        IssuedCertificate client = ca.BuildClientFull("client1", Ed);

        foreach (string cert in new[] { ca.CaCertPath, server.CertificatePath, client.CertificatePath })
        {
            Assert.Contains(": OK", Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, cert), StringComparison.Ordinal);
        }
        string text = Tool.OpenSslOk("x509", "-in", server.CertificatePath, "-noout", "-text");
        Assert.Contains("Signature Algorithm: ED25519", text, StringComparison.Ordinal);
        Assert.Contains("Public Key Algorithm: ED25519", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text, StringComparison.Ordinal);
        Assert.Contains("DNS:server", text, StringComparison.Ordinal);
        Assert.Contains("keyid:", text, StringComparison.Ordinal);
        string caText = Tool.OpenSslOk("x509", "-in", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("CA:TRUE", caText, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", caText, StringComparison.Ordinal);
        Assert.Contains("TLS Web Client Authentication", Tool.OpenSslOk("x509", "-in", client.CertificatePath, "-noout", "-text"), StringComparison.Ordinal);

        // Keys are plain PKCS#8 as openssl genpkey writes them; requests self-verify.
        Assert.Contains("ED25519 Private-Key", Tool.OpenSslOk("pkey", "-in", ca.KeyPath("server"), "-noout", "-text"), StringComparison.Ordinal);
        Assert.Contains("verify OK", Tool.OpenSslOk("req", "-in", ca.RequestPath("server"), "-noout", "-verify"), StringComparison.Ordinal);
        // The key matches the certificate (same public key).
        Assert.Equal(
            Tool.OpenSslOk("pkey", "-in", ca.KeyPath("client1"), "-pubout"),
            Tool.OpenSslOk("x509", "-in", client.CertificatePath, "-noout", "-pubkey"));
        Assert.Equal(2, ca.List().Count);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(_dir.Pki, "index.txt")).Length);
    }

    [Fact]
    public void Ed448Chain_Verifies()
    {
        var ed448 = new KeyOptions { Algorithm = KeyAlgorithm.Ed, Curve = "ed448" };
        CertificateAuthority ca = NewCa(ed448);
        IssuedCertificate client = ca.BuildClientFull("c448", ed448);
        IssuedCertificate mixed = ca.BuildClientFull("c25519", Ed);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, client.CertificatePath);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, mixed.CertificatePath);
        Assert.Contains("Signature Algorithm: ED448", Tool.OpenSslOk("x509", "-in", client.CertificatePath, "-noout", "-text"), StringComparison.Ordinal);
    }

    public static TheoryData<KeyAlgorithm, KeyAlgorithm> Mixes => new()
    {
        { KeyAlgorithm.Ed, KeyAlgorithm.Ec },
        { KeyAlgorithm.Ed, KeyAlgorithm.Rsa },
        { KeyAlgorithm.Ec, KeyAlgorithm.Ed },
        { KeyAlgorithm.Rsa, KeyAlgorithm.Ed },
    };

    [Theory]
    [MemberData(nameof(Mixes))]
    public void MixedChains_Verify(KeyAlgorithm caAlgo, KeyAlgorithm leafAlgo)
    {
        CertificateAuthority ca = NewCa(new KeyOptions { Algorithm = caAlgo });
        var leaf = new KeyOptions { Algorithm = leafAlgo };
        IssuedCertificate full = ca.BuildServerFull("srv", leaf);
        ca.GenReq("later", leaf);
        IssuedCertificate signed = ca.SignReq(CertType.Client, "later");
        foreach (IssuedCertificate c in new[] { full, signed })
        {
            Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
            string text = Tool.OpenSslOk("x509", "-in", c.CertificatePath, "-noout", "-text");
            Assert.Equal(leafAlgo == KeyAlgorithm.Ed, text.Contains("Public Key Algorithm: ED25519", StringComparison.Ordinal));
            Assert.Equal(caAlgo == KeyAlgorithm.Ed, text.Contains("Signature Algorithm: ED25519", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void ImportedOpenSslEd25519Request_IsSignedByEcCa_AndTamperedOneIsRefused()
    {
        CertificateAuthority ca = NewCa(new KeyOptions { Algorithm = KeyAlgorithm.Ec });
        string key = _dir.File("ext.key"), req = _dir.File("ext.req");
        Tool.OpenSslOk("genpkey", "-algorithm", "ed25519", "-out", key);
        Tool.OpenSslOk("req", "-new", "-key", key, "-subj", "/CN=external", "-out", req);
        ca.ImportReq(req, "external");
        IssuedCertificate c = ca.SignReq(CertType.Server, "external");
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
        Assert.Contains("DNS:external", Tool.OpenSslOk("x509", "-in", c.CertificatePath, "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);

        // Flip one byte of the signature (the last bytes of the DER): the self-signature must fail.
        string pem = File.ReadAllText(req);
        byte[] der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^5] ^= 0x01;
        string bad = _dir.File("bad.req");
        File.WriteAllText(bad, new string(System.Security.Cryptography.PemEncoding.Write("CERTIFICATE REQUEST", der)) + "\n");
        var ex = Assert.Throws<PkiException>(() => ca.ImportReq(bad, "bad"));
        Assert.Contains("signature does not verify", ex.Message, StringComparison.Ordinal);
        Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519Ca_SignsCrl_ThatOpenSslVerifies()
    {
        CertificateAuthority ca = NewCa(Ed);
        IssuedCertificate c1 = ca.BuildClientFull("c1", Ed);
        IssuedCertificate c2 = ca.BuildClientFull("c2", new KeyOptions { Algorithm = KeyAlgorithm.Ec });
        ca.Revoke("c1", RevocationReason.KeyCompromise);
        CrlInfo info = ca.GenCrl();
        Assert.Equal(1, info.RevokedCount);
        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text", "-verify");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains("Signature Algorithm: ED25519", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {c1.Serial}", crl, StringComparison.Ordinal);
        Assert.DoesNotContain(c2.Serial, crl, StringComparison.Ordinal);
        // openssl verify with CRL checking: c2 passes, c1 (moved to revoked/) is refused.
        string both = _dir.File("ca+crl.pem");
        File.WriteAllText(both, File.ReadAllText(ca.CaCertPath) + File.ReadAllText(ca.CrlPath));
        Tool.OpenSslOk("verify", "-crl_check", "-CAfile", both, c2.CertificatePath);
        ToolResult revoked = Tool.OpenSsl("verify", "-crl_check", "-CAfile", both, ca.Paths.RevokedCert(c1.Serial));
        Assert.NotEqual(0, revoked.ExitCode);
        Assert.Contains("revoked", revoked.All, StringComparison.Ordinal);
    }

    [Fact]
    public void EncryptedEd25519Keys_OpenWithTheRightPassphraseOnly()
    {
        CertificateAuthority ca = NewCa(Ed with { Passphrase = "ca-secret" });
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", File.ReadAllText(ca.CaKeyPath), StringComparison.Ordinal);

        // Wrong CA passphrase: a one-line error naming ca.key, nothing issued.
        ca.CaPassphrase = "wrong-one";
        var ex = Assert.Throws<PkiException>(() => ca.BuildClientFull("c1", Ed));
        Assert.Contains("Wrong passphrase", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ca.CaKeyPath, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ca.KeyPath("c1")));

        ca = CertificateAuthority.Open(_dir.Pki);
        ca.CaPassphrase = "ca-secret";
        IssuedCertificate c1 = ca.BuildClientFull("c1", Ed with { Passphrase = "client-pw" });
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c1.CertificatePath);

        string keyPath = ca.KeyPath("c1");
        Assert.Contains("ED25519 Private-Key", Tool.OpenSslOk("pkey", "-in", keyPath, "-passin", "pass:client-pw", "-noout", "-text"), StringComparison.Ordinal);
        Assert.Contains("hmacWithSHA256", Tool.OpenSslOk("asn1parse", "-in", keyPath), StringComparison.Ordinal);
        Assert.NotEqual(0, Tool.OpenSsl("pkey", "-in", keyPath, "-passin", "pass:client-pX", "-noout").ExitCode);

        using var key = (EdDsaKey)KeyStore.LoadPrivateKey(keyPath, KeyStore.OidEd25519, _ => "client-pw");
        Assert.Equal(c1.Certificate.PublicKey.EncodedKeyValue.RawData, key.PublicKeyBytes);
        var wrong = Assert.Throws<PkiException>(() => KeyStore.LoadPrivateKey(keyPath, KeyStore.OidEd25519, _ => "client-pX"));
        Assert.Equal($"Wrong passphrase for the private key {keyPath} (or the key is corrupt).", wrong.Message);
        var none = Assert.Throws<PkiException>(() => KeyStore.LoadPrivateKey(keyPath, KeyStore.OidEd25519, null));
        Assert.Contains("--passin", none.Message, StringComparison.Ordinal);

        // And a key encrypted by openssl opens with ours.
        string osslKey = _dir.File("ossl.key");
        Tool.OpenSslOk("genpkey", "-algorithm", "ed25519", "-aes256", "-pass", "pass:abcd1234", "-out", osslKey);
        using var k2 = (EdDsaKey)KeyStore.LoadPrivateKey(osslKey, KeyStore.OidEd25519, _ => "abcd1234");
        Assert.Equal(32, k2.PublicKeyBytes.Length);
    }

    /// <summary>
    /// A wrong passphrase usually fails the CBC padding check, but 1 in ~256 passes it and yields
    /// garbage: every such case must still come out as the one "Wrong passphrase" PkiException.
    /// </summary>
    [Fact]
    public void ManyWrongPassphrases_AllGiveTheWrongPassphraseError()
    {
        string plain = _dir.File("plain.key"), fast = _dir.File("fast.key");
        Tool.OpenSslOk("genpkey", "-algorithm", "ed25519", "-out", plain);
        // One PBKDF2 iteration so that thousands of attempts take a moment.
        Tool.OpenSslOk("pkcs8", "-topk8", "-in", plain, "-out", fast, "-v2", "aes-256-cbc", "-iter", "1", "-passout", "pass:right-one");
        using (KeyStore.LoadPrivateKey(fast, KeyStore.OidEd25519, _ => "right-one"))
        {
        }
        for (int i = 0; i < 3000; i++)
        {
            string guess = $"wrong-{i}";
            var ex = Assert.Throws<PkiException>(() => KeyStore.LoadPrivateKey(fast, KeyStore.OidEd25519, _ => guess));
            Assert.StartsWith("Wrong passphrase", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TruncatedOrForeignEd25519Key_GivesOneLineError()
    {
        CertificateAuthority ca = NewCa(Ed);
        string pem = File.ReadAllText(ca.CaKeyPath);
        File.WriteAllText(ca.CaKeyPath, pem[..(pem.Length / 2)]);
        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(_dir.Pki).BuildClientFull("x", Ed));
        Assert.Contains(ca.CaKeyPath, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', ex.Message);

        // Another Ed25519 key in ca.key: refused as not belonging to ca.crt.
        Tool.OpenSslOk("genpkey", "-algorithm", "ed25519", "-out", ca.CaKeyPath);
        ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(_dir.Pki).GenCrl());
        Assert.Contains("does not belong", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519Certificate_Renews()
    {
        CertificateAuthority ca = NewCa(Ed);
        IssuedCertificate first = ca.BuildServerFull("srv", Ed);
        IssuedCertificate renewed = ca.Renew("srv");
        Assert.NotEqual(first.Serial, renewed.Serial);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, renewed.CertificatePath);
        Assert.Equal(first.Certificate.PublicKey.EncodedKeyValue.RawData, renewed.Certificate.PublicKey.EncodedKeyValue.RawData);
        Assert.Equal(CertType.Server, renewed.Type);
    }

    [Fact]
    public void EcCurveWithEdAlgorithm_IsRefusedClearly()
    {
        var ex = Assert.Throws<PkiException>(() => KeyStore.Generate(new KeyOptions { Algorithm = KeyAlgorithm.Ed, Curve = "secp384r1" }));
        Assert.Contains("ed25519 or ed448", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<PkiException>(() => KeyStore.Generate(new KeyOptions { Algorithm = KeyAlgorithm.Ec, Curve = "ed25519" }));
        Assert.Contains("--algo ed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ed25519Certificate_LoadsIntoX509Certificate2()
    {
        CertificateAuthority ca = NewCa(Ed);
        X509Certificate2 cert = ca.LoadCaCertificate();
        Assert.Equal(KeyStore.OidEd25519, cert.GetKeyAlgorithm());
        Assert.Equal(CertType.Ca, CertificateProfiles.TypeOf(cert));
    }
}
