namespace SharpVpn.Pki.Tests;

public sealed class PassphraseTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EncryptedKeys_AreAcceptedByOpensslWithTheRightPassphraseOnly()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa(new CaOptions { Key = new KeyOptions { Passphrase = "ca pass phrase" } });
        ca.CaPassphrase = "ca pass phrase";
        IssuedCertificate c = ca.BuildClientFull("client1", new KeyOptions { Algorithm = KeyAlgorithm.Ec, Passphrase = "client-secret" });

        foreach ((string key, string pass) in new[] { (ca.CaKeyPath, "ca pass phrase"), (c.KeyPath!, "client-secret") })
        {
            Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(key), StringComparison.Ordinal);
            Tool.OpenSslOk("pkey", "-in", key, "-passin", "pass:" + pass, "-noout");
            Assert.NotEqual(0, Tool.OpenSsl("pkey", "-in", key, "-passin", "pass:wrong", "-noout").ExitCode);
            // PBES2 with AES-256-CBC and PBKDF2-HMAC-SHA256.
            string asn = Tool.OpenSslOk("asn1parse", "-in", key);
            Assert.Contains("aes-256-cbc", asn, StringComparison.Ordinal);
            Assert.Contains("hmacWithSHA256", asn, StringComparison.Ordinal);
        }
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
    }

    [Fact]
    public void WrongCaPassphrase_IsOneClearErrorAndChangesNothing()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.BuildCa(new CaOptions { Key = new KeyOptions { Passphrase = "right-one" } });
        string before = Snapshot.Of(_dir.Pki);

        var reopened = CertificateAuthority.Open(_dir.Pki);
        reopened.CaPassphrase = "wrong-one";
        var ex = Assert.Throws<PkiException>(() => reopened.BuildClientFull("client1"));
        Assert.Equal($"Wrong passphrase for the private key {ca.CaKeyPath} (or the key is corrupt).", ex.Message);
        Assert.Equal(before, Snapshot.Of(_dir.Pki));

        reopened.CaPassphrase = null;
        ex = Assert.Throws<PkiException>(() => reopened.GenCrl());
        Assert.Contains("is encrypted: give its passphrase with --passin", ex.Message, StringComparison.Ordinal);
        Assert.Contains(ca.CaKeyPath, ex.Message, StringComparison.Ordinal);

        // A prompt (the CLI's terminal prompt) is asked with the file name.
        string? asked = null;
        reopened.PassphrasePrompt = path => { asked = path; return "right-one"; };
        reopened.GenCrl();
        Assert.Equal(ca.CaKeyPath, asked);
    }

    [Fact]
    public void EncryptedCaKeyMadeByEasyRsa_IsUsable()
    {
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "init-pki");
        Tool.EasyRsaOk(_dir.Pki, _dir.Path, "--passout=pass:easy-ca", "--passin=pass:easy-ca", "build-ca");
        var ca = CertificateAuthority.Open(_dir.Pki);
        ca.CaPassphrase = "easy-ca";
        IssuedCertificate c = ca.BuildServerFull("server");
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, c.CertificatePath);
    }

    [Theory]
    [InlineData("pass:abc d", "abc d")]
    [InlineData("env:SV_TEST_PASS", "from-env")]
    public void PassphraseSpec_ResolvesOpensslForms(string spec, string expected)
    {
        Environment.SetEnvironmentVariable("SV_TEST_PASS", "from-env");
        Assert.Equal(expected, PassphraseSpec.Resolve(spec));
    }

    [Fact]
    public void PassphraseSpec_ReadsFirstLineOfFileAndRejectsUnknownForms()
    {
        File.WriteAllText(_dir.File("pw"), "line-one\nline-two\n");
        Assert.Equal("line-one", PassphraseSpec.Resolve("file:" + _dir.File("pw")));
        var ex = Assert.Throws<PkiException>(() => PassphraseSpec.Resolve("hunter2hunter2"));
        Assert.DoesNotContain("hunter2hunter2", ex.Message, StringComparison.Ordinal);
        Assert.Throws<PkiException>(() => PassphraseSpec.Resolve("env:SV_TEST_NOT_SET_ANYWHERE"));
        Assert.Contains(_dir.File("missing"), Assert.Throws<PkiException>(() => PassphraseSpec.Resolve("file:" + _dir.File("missing"))).Message, StringComparison.Ordinal);
    }
}

/// <summary>Every file under a directory with its content, to prove a failed command changed nothing.</summary>
internal static class Snapshot
{
    public static string Of(string dir) => string.Join("\n",
        Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(p => File.Exists(p) ? $"{p} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p)))}" : p + "/"));
}
