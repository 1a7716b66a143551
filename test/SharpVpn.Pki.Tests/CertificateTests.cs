using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki.Tests;

public sealed class CertificateTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(KeyAlgorithm.Rsa)]
    [InlineData(KeyAlgorithm.Ec)]
    public void IssuedCertificates_AreAcceptedByOpensslVerify(KeyAlgorithm algo)
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki, settings: new PkiSettings { Algorithm = algo });
        ca.BuildCa(new CaOptions { CommonName = "Test CA" });
        IssuedCertificate server = ca.BuildServerFull("server");
        IssuedCertificate client = ca.BuildClientFull("client1");

        foreach (IssuedCertificate c in new[] { server, client })
        {
            string output = Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
            Assert.Contains(": OK", output, StringComparison.Ordinal);
            Tool.OpenSslOk("pkey", "-in", c.KeyPath!, "-noout");
            // The key on disk matches the certificate.
            Assert.Equal(Tool.OpenSslOk("x509", "-in", c.CertificatePath, "-noout", "-pubkey"),
                Tool.OpenSslOk("pkey", "-in", c.KeyPath!, "-pubout"));
        }
    }

    [Fact]
    public void CaCertificate_HasCaExtensions()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa(new CaOptions { CommonName = "Acme CA" });
        string text = Tool.OpenSslOk("x509", "-in", ca.CaCertPath, "-noout", "-text");
        Assert.Contains("X509v3 Basic Constraints: critical", text, StringComparison.Ordinal);
        Assert.Contains("CA:TRUE", text, StringComparison.Ordinal);
        Assert.Contains("Certificate Sign, CRL Sign", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Subject Key Identifier", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", text, StringComparison.Ordinal);
        Assert.Contains("Subject: CN = Acme CA", text, StringComparison.Ordinal);
        Assert.Contains("Public-Key: (2048 bit)", text, StringComparison.Ordinal);
        // 3650 days.
        X509Certificate2 cert = ca.LoadCaCertificate();
        Assert.InRange((cert.NotAfter - cert.NotBefore).TotalDays, 3649.9, 3650.1);
    }

    [Fact]
    public void ServerCertificate_HasServerAuthAndDefaultSan()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        IssuedCertificate server = ca.BuildServerFull("vpn.example.com");
        string text = Tool.OpenSslOk("x509", "-in", server.CertificatePath, "-noout", "-text");
        Assert.Contains("CA:FALSE", text, StringComparison.Ordinal);
        Assert.Contains("TLS Web Server Authentication", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.Contains("Digital Signature, Key Encipherment", text, StringComparison.Ordinal);
        Assert.Contains("DNS:vpn.example.com", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Subject Key Identifier", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Authority Key Identifier", text, StringComparison.Ordinal);
        Assert.InRange((server.Certificate.NotAfter - server.Certificate.NotBefore).TotalDays, 824.9, 825.1);
        // 128-bit serial, 32 hex digits, also as openssl prints it.
        Assert.Equal(32, server.Serial.Length);
        Assert.Contains($"serial={server.Serial}", Tool.OpenSslOk("x509", "-in", server.CertificatePath, "-noout", "-serial"), StringComparison.Ordinal);
        // openssl's own purpose check, which is what remote-cert-tls relies on.
        Assert.Contains("OK", Tool.OpenSslOk("verify", "-purpose", "sslserver", "-CAfile", ca.CaCertPath, server.CertificatePath), StringComparison.Ordinal);
    }

    [Fact]
    public void ServerCertificate_TakesGivenSanAndIpCn()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        IssuedCertificate a = ca.BuildServerFull("server", subjectAltNames: ["DNS:vpn.acme.test,IP:172.16.1.254"]);
        string text = Tool.OpenSslOk("x509", "-in", a.CertificatePath, "-noout", "-ext", "subjectAltName");
        Assert.Contains("DNS:vpn.acme.test, IP Address:172.16.1.254", text, StringComparison.Ordinal);
        IssuedCertificate b = ca.BuildServerFull("172.16.1.254");
        Assert.Contains("IP Address:172.16.1.254", Tool.OpenSslOk("x509", "-in", b.CertificatePath, "-noout", "-ext", "subjectAltName"), StringComparison.Ordinal);
    }

    [Fact]
    public void ClientCertificate_HasClientAuthOnly()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        IssuedCertificate client = ca.BuildClientFull("client1");
        string text = Tool.OpenSslOk("x509", "-in", client.CertificatePath, "-noout", "-text");
        Assert.Contains("TLS Web Client Authentication", text, StringComparison.Ordinal);
        Assert.DoesNotContain("TLS Web Server Authentication", text, StringComparison.Ordinal);
        Assert.Contains("X509v3 Key Usage: \n                Digital Signature\n", text.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("Subject Alternative Name", text, StringComparison.Ordinal);
        Assert.Contains("OK", Tool.OpenSslOk("verify", "-purpose", "sslclient", "-CAfile", ca.CaCertPath, client.CertificatePath), StringComparison.Ordinal);
        Assert.NotEqual(0, Tool.OpenSsl("verify", "-purpose", "sslserver", "-CAfile", ca.CaCertPath, client.CertificatePath).ExitCode);
    }

    [Fact]
    public void OrgDnMode_PutsVarsFieldsInSubject()
    {
        var settings = new PkiSettings
        {
            DnMode = DnMode.Org,
            Dn = new DnFields { Country = "CN", Province = "Beijing", City = "Beijing", Org = "Acme", Email = "it@acme.test", OrgUnit = "IT" },
        };
        var ca = CertificateAuthority.InitPki(_dir.Pki, settings: settings);
        ca.BuildCa();
        IssuedCertificate client = ca.BuildClientFull("client1");
        string subject = Tool.OpenSslOk("x509", "-in", client.CertificatePath, "-noout", "-subject");
        Assert.Contains("C = CN, ST = Beijing, L = Beijing, O = Acme, OU = IT, CN = client1, emailAddress = it@acme.test", subject, StringComparison.Ordinal);
        string index = File.ReadAllText(Path.Combine(_dir.Pki, "index.txt"));
        Assert.Contains("\t/C=CN/ST=Beijing/L=Beijing/O=Acme/OU=IT/CN=client1/emailAddress=it@acme.test\n", index, StringComparison.Ordinal);
    }

    [Fact]
    public void GenReqThenSignReq_ProducesVerifiableCertificateAndDatabaseLine()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa();
        ca.GenReq("laptop", new KeyOptions { Algorithm = KeyAlgorithm.Ec, Curve = "prime256v1" });
        Tool.OpenSslOk("req", "-in", ca.RequestPath("laptop"), "-noout", "-verify");
        IssuedCertificate c = ca.SignReq(CertType.Client, "laptop", days: 30);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
        Assert.InRange((c.Certificate.NotAfter - c.Certificate.NotBefore).TotalDays, 29.9, 30.1);

        string[] index = File.ReadAllLines(Path.Combine(_dir.Pki, "index.txt"));
        string[] f = Assert.Single(index).Split('\t');
        Assert.Equal(["V", "", c.Serial, "unknown", "/CN=laptop"], new[] { f[0], f[2], f[3], f[4], f[5] });
        Assert.Matches("^[0-9]{12}Z$", f[1]);
        Assert.True(File.Exists(Path.Combine(_dir.Pki, "certs_by_serial", c.Serial + ".pem")));
        // openssl ca reads our database.
        string status = Tool.Run("openssl", ["ca", "-config", ConfigFor(_dir.Pki), "-status", c.Serial]).All;
        Assert.Contains("=Valid", status, StringComparison.Ordinal);
    }

    /// <summary>A minimal openssl ca config pointing at the PKI, for -status checks.</summary>
    internal static string ConfigFor(string pki)
    {
        string path = Path.Combine(pki, "..", "ca-test.cnf");
        File.WriteAllText(path, $"[ca]\ndefault_ca=CA_default\n[CA_default]\ndir={pki}\ndatabase=$dir/index.txt\nserial=$dir/serial\nnew_certs_dir=$dir/certs_by_serial\ncertificate=$dir/ca.crt\nprivate_key=$dir/private/ca.key\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n");
        return path;
    }
}
