namespace SharpVpn.Pki.Tests;

public sealed class SafetyTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private CertificateAuthority NewCa()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki, settings: new PkiSettings { Algorithm = KeyAlgorithm.Ec });
        ca.BuildCa();
        return ca;
    }

    [Fact]
    public void ExistingFiles_AreNotOverwrittenWithoutForce()
    {
        CertificateAuthority ca = NewCa();
        ca.BuildClientFull("client1");
        ca.GenDh();
        string before = Snapshot.Of(_dir.Pki);

        Assert.Contains(ca.CaCertPath, Assert.Throws<PkiException>(() => ca.BuildCa()).Message, StringComparison.Ordinal);
        Assert.Contains("already exists", Assert.Throws<PkiException>(() => ca.BuildClientFull("client1")).Message, StringComparison.Ordinal);
        Assert.Contains(ca.KeyPath("client1"), Assert.Throws<PkiException>(() => ca.GenReq("client1")).Message, StringComparison.Ordinal);
        Assert.Contains(ca.CertPath("client1"), Assert.Throws<PkiException>(() => ca.SignReq(CertType.Client, "client1")).Message, StringComparison.Ordinal);
        Assert.Contains(ca.DhPath, Assert.Throws<PkiException>(() => ca.GenDh()).Message, StringComparison.Ordinal);
        Assert.Contains("--force", Assert.Throws<PkiException>(() => CertificateAuthority.InitPki(_dir.Pki)).Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot.Of(_dir.Pki));

        // With force they are replaced.
        string oldCa = File.ReadAllText(ca.CaCertPath);
        ca.BuildCa(new CaOptions { Force = true });
        Assert.NotEqual(oldCa, File.ReadAllText(ca.CaCertPath));
        CertificateAuthority.InitPki(_dir.Pki, force: true);
        Assert.False(File.Exists(ca.CaCertPath));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void PrivateKeys_AreMode0600()
    {
        CertificateAuthority ca = NewCa();
        ca.BuildServerFull("server");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ca.CaKeyPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ca.KeyPath("server")));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_dir.Pki, "private")));
        Assert.Empty(Directory.GetFiles(_dir.Pki, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public void TruncatedCaKey_IsAnErrorNamingTheFile()
    {
        CertificateAuthority ca = NewCa();
        string key = File.ReadAllText(ca.CaKeyPath);
        File.WriteAllText(ca.CaKeyPath, key[..(key.Length / 2)]);
        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(_dir.Pki).BuildClientFull("c"));
        Assert.Contains(ca.CaKeyPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ca.KeyPath("c")));
    }

    [Fact]
    public void CorruptBase64InKey_IsAnErrorNamingTheFile()
    {
        CertificateAuthority ca = NewCa();
        string key = File.ReadAllText(ca.CaKeyPath);
        File.WriteAllText(ca.CaKeyPath, key.Replace("A", "!", StringComparison.Ordinal));
        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(_dir.Pki).GenCrl());
        Assert.Contains(ca.CaKeyPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedRequest_IsRefusedOnImportAndSign()
    {
        CertificateAuthority ca = NewCa();
        File.WriteAllText(_dir.File("junk.req"), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
        var ex = Assert.Throws<PkiException>(() => ca.ImportReq(_dir.File("junk.req"), "junk"));
        Assert.Contains(_dir.File("junk.req"), ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(ca.RequestPath("junk")));

        File.WriteAllText(ca.RequestPath("bad"), "not a request\n");
        ex = Assert.Throws<PkiException>(() => ca.SignReq(CertType.Client, "bad"));
        Assert.Contains(ca.RequestPath("bad"), ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<PkiException>(() => ca.SignReq(CertType.Client, "missing"));
        Assert.Contains(ca.RequestPath("missing"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RequestWithTamperedSignature_IsRefused()
    {
        CertificateAuthority ca = NewCa();
        ca.GenReq("alice");
        string pem = File.ReadAllText(ca.RequestPath("alice"));
        byte[] der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        der[^5] ^= 0x55;
        File.WriteAllText(ca.RequestPath("alice"), System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE REQUEST", der));
        var ex = Assert.Throws<PkiException>(() => ca.SignReq(CertType.Client, "alice"));
        Assert.Contains("signature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ImportedRequestFromOpenssl_IsSignedAndHasNoKeyPath()
    {
        CertificateAuthority ca = NewCa();
        Tool.OpenSslOk("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", _dir.File("ext.key"), "-out", _dir.File("ext.req"), "-subj", "/CN=external");
        ca.ImportReq(_dir.File("ext.req"), "external");
        IssuedCertificate c = ca.SignReq(CertType.Client, "external");
        Assert.Null(c.KeyPath);
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
    }

    [Fact]
    public void TruncatedCertificate_AndBadIndex_AreErrorsNamingTheFile()
    {
        CertificateAuthority ca = NewCa();
        ca.BuildClientFull("client1");
        string cert = File.ReadAllText(ca.CertPath("client1"));
        File.WriteAllText(ca.CertPath("client1"), cert[..200]);
        var ex = Assert.Throws<PkiException>(() => ca.Revoke("client1"));
        Assert.Contains(ca.CertPath("client1"), ex.Message, StringComparison.Ordinal);

        string index = Path.Combine(_dir.Pki, "index.txt");
        File.AppendAllText(index, "V\tnot-a-date\t\tAB\tunknown\t/CN=x\n");
        ex = Assert.Throws<PkiException>(() => ca.List());
        Assert.StartsWith($"{index}:2: invalid expiry date", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingPki_AndBadNames_AreClearErrors()
    {
        var ex = Assert.Throws<PkiException>(() => CertificateAuthority.Open(_dir.File("nowhere")));
        Assert.Contains(_dir.File("nowhere"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("init-pki", ex.Message, StringComparison.Ordinal);

        var ca = CertificateAuthority.InitPki(_dir.Pki);
        Assert.Contains("build-ca", Assert.Throws<PkiException>(() => ca.BuildClientFull("c")).Message, StringComparison.Ordinal);
        Assert.Throws<PkiException>(() => ca.GenReq("../escape"));
        Assert.Throws<PkiException>(() => ca.GenReq(".hidden"));
    }

    [Fact]
    public void ConcurrentIssuing_LosesNoDatabaseEntry()
    {
        CertificateAuthority ca = NewCa();
        ca.DurableWrites = false;
        Parallel.For(0, 2, t =>
        {
            var own = CertificateAuthority.Open(_dir.Pki, ca.Settings);
            own.DurableWrites = false;
            for (int i = 0; i < 10; i++)
            {
                own.BuildClientFull($"t{t}c{i}");
            }
        });
        Assert.Equal(20, File.ReadAllLines(Path.Combine(_dir.Pki, "index.txt")).Length);
        Assert.Equal(20, ca.List().Count(e => e.Type == CertType.Client));
    }
}
