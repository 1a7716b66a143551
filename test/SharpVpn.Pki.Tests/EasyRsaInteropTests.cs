namespace SharpVpn.Pki.Tests;

/// <summary>The same PKI directory driven alternately by the real easy-rsa 3.1 script and by us.</summary>
[Trait("Category", "EasyRsa")]
public sealed class EasyRsaInteropTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void PkiStartedByEasyRsa_CanBeContinuedByUs()
    {
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "init-pki");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "build-ca", "nopass");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "build-client-full", "erclient", "nopass");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "gen-req", "ersrv", "nopass");

        var ca = CertificateAuthority.Open(_dir.Pki);
        IssuedCertificate ours = ca.BuildClientFull("ourclient");
        IssuedCertificate signed = ca.SignReq(CertType.Server, "ersrv");
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, ours.CertificatePath);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, signed.CertificatePath);
        Assert.Contains("DNS:ersrv", Tool.OpenSslOk("x509", "-in", signed.CertificatePath, "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);

        string erSerial = Tool.OpenSslOk("x509", "-in", ca.CertPath("erclient"), "-noout", "-serial").Trim()["serial=".Length..];
        ca.Revoke("erclient");
        ca.GenCrl();
        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {erSerial}", crl, StringComparison.Ordinal);

        // And easy-rsa keeps going on the database we wrote.
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "build-client-full", "erclient2", "nopass");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "revoke", "ourclient");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "gen-crl");
        crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains($"Serial Number: {erSerial}", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {ours.Serial}", crl, StringComparison.Ordinal);
        Assert.Equal(4, ca.List().Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PkiStartedByUs_CanBeContinuedByEasyRsa(bool builtInOpenSslConfig)
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        if (builtInOpenSslConfig)
        {
            // What init-pki writes on a machine without easy-rsa installed.
            File.WriteAllText(Path.Combine(_dir.Pki, EasyRsaFiles.ConfigFileName), EasyRsaFiles.BuiltInConfig);
        }
        ca.BuildCa(new CaOptions { CommonName = "SharpVPN CA", Key = new KeyOptions { Passphrase = "ca-secret" } });
        ca.CaPassphrase = "ca-secret";
        IssuedCertificate server = ca.BuildServerFull("server");
        IssuedCertificate client2 = ca.BuildClientFull("client2");
        ca.GenReq("later", new KeyOptions { Algorithm = KeyAlgorithm.Ec });

        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "--passin=pass:ca-secret", "revoke", "client2");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "--passin=pass:ca-secret", "gen-crl");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "--passin=pass:ca-secret", "sign-req", "client", "later");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "--passin=pass:ca-secret", "build-client-full", "erclient", "nopass");

        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {client2.Serial}", crl, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Serial, crl, StringComparison.Ordinal);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, ca.CertPath("later"));

        // Back to us: the database easy-rsa appended to still parses, and our CRL keeps its revocation.
        ca.Revoke("erclient");
        ca.GenCrl();
        crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains($"Serial Number: {client2.Serial}", crl, StringComparison.Ordinal);
        IReadOnlyList<PkiEntry> list = ca.List();
        Assert.Equal(2, list.Count(e => e.Status == CertStatus.Revoked));
        Assert.Equal(4, list.Count);
    }

    [Fact]
    public void Renewals_AreUnderstoodBothWays()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki, settings: new PkiSettings { Algorithm = KeyAlgorithm.Ec });
        ca.BuildCa();
        IssuedCertificate ours = ca.BuildClientFull("ours", days: 10);
        IssuedCertificate renewed = ca.Renew("ours");
        // easy-rsa 3.1.0 finds our renewed/ layout and revokes the old certificate.
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "revoke-renewed", "ours");
        ca.GenCrl();
        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-noout", "-text");
        Assert.Contains($"Serial Number: {ours.Serial}", crl, StringComparison.Ordinal);
        Assert.DoesNotContain(renewed.Serial, crl, StringComparison.Ordinal);

        // easy-rsa renews a certificate we issued (it only renews within 30 days of expiry).
        IssuedCertificate theirs = ca.BuildServerFull("theirs", days: 10);
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "renew", "theirs", "nopass");
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, ca.CertPath("theirs"));
        IReadOnlyList<PkiEntry> list = ca.List();
        Assert.Equal(CertStatus.Revoked, list.Single(e => e.Serial == ours.Serial).Status);
        Assert.Equal(CertStatus.Valid, list.Single(e => e.Serial == renewed.Serial).Status);
        Assert.True(list.Single(e => e.Serial == theirs.Serial).Renewed);
        Assert.Equal(CertType.Server, list.Single(e => e.Name == "theirs" && !e.Renewed).Type);
    }
}
