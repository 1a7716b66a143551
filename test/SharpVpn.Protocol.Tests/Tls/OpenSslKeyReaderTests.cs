using System.Diagnostics;
using System.Security.Cryptography;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>
/// <see cref="OpenSslKeyReader"/>: libcrypto reads every PEM key form OpenVPN users have (PKCS#8, SEC1, PKCS#1,
/// encrypted PKCS#8, legacy encrypted PEM) into the same key .NET would import; what it cannot read is null, never
/// a prompt on the terminal.
/// </summary>
public sealed class OpenSslKeyReaderTests
{
    private static readonly byte[] Data = [1, 2, 3, 4];

    [Fact]
    public void LibcryptoIsThere_OnLinux()
    {
        Assert.Equal(OperatingSystem.IsLinux(), OpenSslKeyReader.IsAvailable);
    }

    [Theory]
    [InlineData("P-384 PKCS#8 (easy-rsa)")]
    [InlineData("P-256 SEC1")]
    [InlineData("P-256 encrypted PKCS#8")]
    public void EcKeys_ReadAsTheSameKey(string kind)
    {
        using ECDsa original = ECDsa.Create(kind.StartsWith("P-384", StringComparison.Ordinal) ? ECCurve.NamedCurves.nistP384 : ECCurve.NamedCurves.nistP256);
        (string pem, string? passphrase) = kind switch
        {
            "P-256 SEC1" => (original.ExportECPrivateKeyPem(), null),
            "P-256 encrypted PKCS#8" => (original.ExportEncryptedPkcs8PrivateKeyPem("s3cret",
                new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000)), "s3cret"),
            _ => (original.ExportPkcs8PrivateKeyPem(), (string?)null),
        };

        using ECDsa read = Assert.IsAssignableFrom<ECDsa>(OpenSslKeyReader.TryReadEcdsa(pem, passphrase));
        Assert.Equal(original.ExportSubjectPublicKeyInfo(), read.ExportSubjectPublicKeyInfo());
        Assert.True(original.VerifyData(Data, read.SignData(Data, HashAlgorithmName.SHA384), HashAlgorithmName.SHA384));
    }

    [Theory]
    [InlineData("PKCS#1")]
    [InlineData("PKCS#8")]
    public void RsaKeys_ReadAsTheSameKey(string kind)
    {
        using RSA original = RSA.Create(2048);
        string pem = kind == "PKCS#1" ? original.ExportRSAPrivateKeyPem() : original.ExportPkcs8PrivateKeyPem();
        using RSA read = Assert.IsAssignableFrom<RSA>(OpenSslKeyReader.TryReadRsa(pem, null));
        Assert.Equal(original.ExportSubjectPublicKeyInfo(), read.ExportSubjectPublicKeyInfo());
        Assert.True(original.VerifyData(Data, read.SignData(Data, HashAlgorithmName.SHA256, RSASignaturePadding.Pss), HashAlgorithmName.SHA256, RSASignaturePadding.Pss));
    }

    [Fact]
    public void EncryptedKey_WithoutOrWithAWrongPassphrase_IsNotRead()
    {
        using ECDsa original = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string pem = original.ExportEncryptedPkcs8PrivateKeyPem("s3cret", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
        Assert.Null(OpenSslKeyReader.TryReadEcdsa(pem, null));
        Assert.Null(OpenSslKeyReader.TryReadEcdsa(pem, "wrong"));
    }

    [Fact]
    public async Task LegacyEncryptedPem_IsReadWithItsPassphrase_AndWithoutOneIsNullNotAPrompt()
    {
        // 'openssl ec -aes256' writes the pre-PKCS#8 form: "BEGIN EC PRIVATE KEY" with a Proc-Type: 4,ENCRYPTED header.
        string plain = OpenSslOutput(["ecparam", "-genkey", "-name", "prime256v1", "-noout"], null);
        string legacy = OpenSslOutput(["ec", "-aes256", "-passout", "pass:s3cret"], plain);
        Assert.Contains("Proc-Type: 4,ENCRYPTED", legacy, StringComparison.Ordinal);

        using ECDsa expected = ECDsa.Create();
        expected.ImportFromPem(plain);
        using ECDsa read = Assert.IsAssignableFrom<ECDsa>(OpenSslKeyReader.TryReadEcdsa(legacy, "s3cret"));
        Assert.Equal(expected.ExportSubjectPublicKeyInfo(), read.ExportSubjectPublicKeyInfo());

        Task<ECDsa?> none = Task.Run(() => OpenSslKeyReader.TryReadEcdsa(legacy, null));
        Assert.Same(none, await Task.WhenAny(none, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Null(await none);
    }

    [Fact]
    public void AKeyOfTheOtherType_OrNoKey_IsNotRead()
    {
        using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Null(OpenSslKeyReader.TryReadRsa(ec.ExportPkcs8PrivateKeyPem(), null));
        using RSA rsa = RSA.Create(2048);
        Assert.Null(OpenSslKeyReader.TryReadEcdsa(rsa.ExportPkcs8PrivateKeyPem(), null));
        Assert.Null(OpenSslKeyReader.TryReadEcdsa("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", null));
        Assert.Null(OpenSslKeyReader.TryReadEcdsa("", null));
    }

    private static string OpenSslOutput(string[] args, string? input)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        p.StandardInput.Write(input ?? string.Empty);
        p.StandardInput.Close();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, p.StandardError.ReadToEnd());
        return output;
    }
}
