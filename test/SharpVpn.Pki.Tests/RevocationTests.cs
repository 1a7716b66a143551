namespace SharpVpn.Pki.Tests;

public sealed class RevocationTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RevokeAndGenCrl_CrlVerifiesAndListsRevokedSerial()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        IssuedCertificate c1 = ca.BuildClientFull("client1");
        IssuedCertificate c2 = ca.BuildClientFull("client2");
        string c2Pem = File.ReadAllText(c2.CertificatePath);
        ca.Revoke("client2", RevocationReason.KeyCompromise);
        CrlInfo info = ca.GenCrl();

        // easy-rsa's revoke_move layout.
        Assert.False(File.Exists(c2.CertificatePath));
        Assert.True(File.Exists(Path.Combine(_dir.Pki, "revoked", "certs_by_serial", c2.Serial + ".crt")));
        Assert.True(File.Exists(Path.Combine(_dir.Pki, "revoked", "private_by_serial", c2.Serial + ".key")));
        Assert.True(File.Exists(Path.Combine(_dir.Pki, "revoked", "reqs_by_serial", c2.Serial + ".req")));
        Assert.False(File.Exists(Path.Combine(_dir.Pki, "certs_by_serial", c2.Serial + ".pem")));
        Assert.Matches($"^R\t[0-9]{{12}}Z\t[0-9]{{12}}Z,keyCompromise\t{c2.Serial}\tunknown\t/CN=client2$",
            File.ReadAllLines(Path.Combine(_dir.Pki, "index.txt"))[1]);

        string crl = Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("verify OK", crl, StringComparison.Ordinal);
        Assert.Contains($"Serial Number: {c2.Serial}", crl, StringComparison.Ordinal);
        Assert.DoesNotContain(c1.Serial, crl, StringComparison.Ordinal);
        Assert.Contains("Key Compromise", crl, StringComparison.Ordinal);
        Assert.Equal(1, info.RevokedCount);
        Assert.InRange((info.NextUpdate!.Value - info.ThisUpdate).TotalDays, 3649.9, 3650.1);

        // With the CRL, openssl refuses client2 and still accepts client1.
        string bundle = _dir.File("ca+crl.pem");
        File.WriteAllText(bundle, File.ReadAllText(ca.CaCertPath) + File.ReadAllText(ca.CrlPath));
        File.WriteAllText(_dir.File("c2.pem"), c2Pem);
        Tool.OpenSslOk("verify", "-crl_check", "-CAfile", bundle, c1.CertificatePath);
        ToolResult refused = Tool.OpenSsl("verify", "-crl_check", "-CAfile", bundle, _dir.File("c2.pem"));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("certificate revoked", refused.All, StringComparison.Ordinal);

        // The name can be issued again after revocation, as with easy-rsa.
        IssuedCertificate again = ca.BuildClientFull("client2");
        Assert.NotEqual(c2.Serial, again.Serial);

        IReadOnlyList<PkiEntry> list = ca.List();
        Assert.Equal(CertStatus.Revoked, list.Single(e => e.Serial == c2.Serial).Status);
        Assert.Equal(CertStatus.Valid, list.Single(e => e.Serial == again.Serial).Status);
        Assert.Equal(CertType.Client, list.Single(e => e.Serial == c2.Serial).Type);
        Assert.Equal(ca.ReadCrl()!.NextUpdate, info.NextUpdate);
    }

    [Fact]
    public void Revoke_UnknownName_NamesTheMissingFile()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        var ex = Assert.Throws<PkiException>(() => ca.Revoke("nobody"));
        Assert.Contains(Path.Combine(_dir.Pki, "issued", "nobody.crt"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Renew_IssuesNewSerialWithSameKeyAndKeepsOldInRenewed()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        IssuedCertificate old = ca.BuildServerFull("server", subjectAltNames: ["DNS:vpn.acme.test"]);
        IssuedCertificate renewed = ca.Renew("server", days: 100);
        Assert.NotEqual(old.Serial, renewed.Serial);
        Assert.Equal(CertType.Server, renewed.Type);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, renewed.CertificatePath);
        Assert.Contains("DNS:vpn.acme.test", Tool.OpenSslOk("x509", "-in", renewed.CertificatePath, "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);
        Assert.Equal(Tool.OpenSslOk("x509", "-in", renewed.CertificatePath, "-noout", "-pubkey"),
            Tool.OpenSslOk("pkey", "-in", ca.KeyPath("server"), "-pubout"));
        Assert.True(File.Exists(Path.Combine(_dir.Pki, "renewed", "issued", "server.crt")));
        Assert.Contains(ca.List(), e => e.Serial == old.Serial && e.Renewed && e.Status == CertStatus.Valid);
    }

    [Fact]
    public void List_ReportsExpiredEntries()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        ca.BuildClientFull("shortlived", days: 1);
        ca.Time = new ShiftedTime(TimeSpan.FromDays(2));
        Assert.Equal(CertStatus.Expired, Assert.Single(ca.List()).Status);
    }

    [Fact]
    public void CaWithoutSubjectKeyIdentifier_StillIssuesAndSignsCrls()
    {
        // An old CA (easy-rsa 2 era, or made by hand) may lack the SKI extension.
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        string cnf = _dir.File("old.cnf");
        File.WriteAllText(cnf, "[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=keyCertSign,cRLSign\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=none\n");
        Tool.OpenSslOk("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=old-ca",
            "-keyout", ca.CaKeyPath, "-out", ca.CaCertPath, "-config", cnf, "-extensions", "v3", "-days", "100");
        File.WriteAllText(Path.Combine(_dir.Pki, "index.txt"), "");
        Assert.DoesNotContain("Subject Key Identifier", Tool.OpenSslOk("x509", "-in", ca.CaCertPath, "-noout", "-text"), StringComparison.Ordinal);

        IssuedCertificate c = ca.BuildClientFull("client1");
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
        ca.Revoke("client1");
        ca.GenCrl();
        Assert.Contains("verify OK", Tool.OpenSslOk("crl", "-in", ca.CrlPath, "-CAfile", ca.CaCertPath, "-noout"), StringComparison.Ordinal);
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }
}
