namespace SharpVpn.Pki.Tests;

/// <summary>
/// An Ed25519 PKI (easy-rsa's <c>--use-algo=ed --curve=ed25519</c>) driven alternately by the
/// real easy-rsa 3.1 script and by us.
/// </summary>
[Trait("Category", "EasyRsa")]
public sealed class EasyRsaEd25519InteropTests : IDisposable
{
    private static readonly KeyOptions Ed = new() { Algorithm = KeyAlgorithm.Ed };
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string EasyRsaEd(params string[] args) =>
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, ["--use-algo=ed", "--curve=ed25519", .. args]);

    [Fact]
    public void Ed25519PkiStartedByEasyRsa_CanBeContinuedByUs()
    {
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "init-pki");
        EasyRsaEd("build-ca", "nopass");
        EasyRsaEd("build-client-full", "erclient", "nopass");
        EasyRsaEd("gen-req", "ersrv", "nopass");

        // Our defaults come from settings, as a user running 'sharpvpn pki --algo ed' would.
        var ca = CertificateAuthority.Open(_dir.Pki, new PkiSettings { Algorithm = KeyAlgorithm.Ed });
        IssuedCertificate ours = ca.BuildClientFull("ourclient");
        IssuedCertificate signed = ca.SignReq(CertType.Server, "ersrv");
        foreach (IssuedCertificate c in new[] { ours, signed })
        {
            string text = Tool.OpenSslOk("x509", "-in", c.CertificatePath, "-noout", "-text");
            Assert.Contains("Signature Algorithm: ED25519", text, StringComparison.Ordinal);
            Assert.Contains("Public Key Algorithm: ED25519", text, StringComparison.Ordinal);
            Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
        }
        Assert.Contains("DNS:ersrv", Tool.OpenSslOk("x509", "-in", signed.CertificatePath, "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);

        string erSerial = Tool.OpenSslOk("x509", "-in", ca.CertPath("erclient"), "-noout", "-serial").Trim()["serial=".Length..];
        ca.Revoke("erclient");
        ca.GenCrl();
        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {erSerial}", crl, StringComparison.Ordinal);

        // And easy-rsa carries on with the database and files we wrote.
        EasyRsaEd("build-client-full", "erclient2", "nopass");
        EasyRsaEd("revoke", "ourclient");
        EasyRsaEd("gen-crl");
        crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {erSerial}", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {ours.Serial}", crl, StringComparison.Ordinal);
        Assert.Equal(4, ca.List().Count);
    }

    [Fact]
    public void Ed25519PkiStartedByUs_CanBeContinuedByEasyRsa()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa(new CaOptions { CommonName = "SharpVPN Ed CA", Key = Ed with { Passphrase = "ca-secret" } });
        ca.CaPassphrase = "ca-secret";
        IssuedCertificate server = ca.BuildServerFull("server", Ed);
        IssuedCertificate client2 = ca.BuildClientFull("client2", Ed);
        ca.GenReq("later", Ed);

        EasyRsaEd("--passin=pass:ca-secret", "revoke", "client2");
        EasyRsaEd("--passin=pass:ca-secret", "gen-crl");
        EasyRsaEd("--passin=pass:ca-secret", "sign-req", "client", "later");
        EasyRsaEd("--passin=pass:ca-secret", "build-client-full", "erclient", "nopass");

        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains("Signature Algorithm: ED25519", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {client2.Serial}", crl, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Serial, crl, StringComparison.Ordinal);
        foreach (string name in new[] { "later", "erclient" })
        {
            Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, ca.CertPath(name));
            Assert.Contains("Public Key Algorithm: ED25519", Tool.OpenSslOk("x509", "-in", ca.CertPath(name), "-noout", "-text"), StringComparison.Ordinal);
        }

        // Back to us on the database easy-rsa appended to.
        ca.Revoke("erclient");
        ca.GenCrl();
        crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains($"Serial Number: {client2.Serial}", crl, StringComparison.Ordinal);
        IReadOnlyList<PkiEntry> list = ca.List();
        Assert.Equal(2, list.Count(e => e.Status == CertStatus.Revoked));
        Assert.Equal(4, list.Count);
    }
}
