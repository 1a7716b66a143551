namespace SharpVpn.DataChannel.Tests;

public class DataCipherSuiteTests
{
    [Theory]
    [InlineData("AES-128-GCM", DataCipherKind.AesGcm, 16)]
    [InlineData("aes-192-gcm", DataCipherKind.AesGcm, 24)]
    [InlineData("Aes-256-Gcm", DataCipherKind.AesGcm, 32)]
    [InlineData("chacha20-poly1305", DataCipherKind.ChaCha20Poly1305, 32)]
    [InlineData("AES-128-CBC", DataCipherKind.AesCbc, 16)]
    [InlineData("aes-192-cbc", DataCipherKind.AesCbc, 24)]
    [InlineData("AES-256-CBC", DataCipherKind.AesCbc, 32)]
    public void Parse_KnownNames(string name, DataCipherKind kind, int keyLength)
    {
        DataCipherSuite s = DataCipherSuite.Parse(name);
        Assert.Equal(kind, s.Kind);
        Assert.Equal(keyLength, s.CipherKeyLength);
        Assert.Equal(name.ToUpperInvariant(), s.CipherName);
        Assert.Equal(kind != DataCipherKind.AesCbc, s.IsAead);
        if (s.IsAead)
        {
            Assert.Null(s.Auth);
            Assert.Equal(0, s.HmacLength);
            Assert.Equal(20, s.MaxCryptoOverhead);
        }
        else
        {
            Assert.Equal(DataAuthDigest.Sha1, s.Auth); // OpenVPN's default auth
            Assert.Equal(20, s.HmacLength);
        }
    }

    [Theory]
    [InlineData("SHA1", DataAuthDigest.Sha1, 20)]
    [InlineData("sha256", DataAuthDigest.Sha256, 32)]
    [InlineData("SHA384", DataAuthDigest.Sha384, 48)]
    [InlineData("SHA512", DataAuthDigest.Sha512, 64)]
    public void Parse_CbcWithAuth(string auth, DataAuthDigest digest, int hmacLength)
    {
        DataCipherSuite s = DataCipherSuite.Parse("AES-256-CBC", auth);
        Assert.Equal(digest, s.Auth);
        Assert.Equal(hmacLength, s.HmacLength);
        Assert.Equal(hmacLength + 16 + 4 + 16, s.MaxCryptoOverhead);
    }

    [Fact]
    public void Aead_IgnoresAuth()
    {
        Assert.Null(DataCipherSuite.Parse("AES-256-GCM", "SHA512").Auth);
        Assert.Equal(DataCipherSuite.Parse("AES-256-GCM", "SHA512"), DataCipherSuite.Parse("aes-256-gcm"));
    }

    [Theory]
    [InlineData("BF-CBC", "64-bit-block")]
    [InlineData("DES-EDE3-CBC", "64-bit-block")]
    [InlineData("none", "no encryption")]
    [InlineData("AES-256-CFB", "not supported")]
    [InlineData("", "No data-channel cipher")]
    public void Parse_RefusesWithClearMessage(string name, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => DataCipherSuite.Parse(name));
        Assert.Contains(fragment, ex.Message);
        Assert.False(DataCipherSuite.TryParse(name, null, out _, out string? error));
        Assert.Contains(fragment, error);
    }

    [Fact]
    public void Parse_RefusesBadAuth()
    {
        Assert.Contains("auth none", Assert.Throws<ArgumentException>(() => DataCipherSuite.Parse("AES-128-CBC", "none")).Message);
        Assert.Contains("MD5", Assert.Throws<ArgumentException>(() => DataCipherSuite.Parse("AES-128-CBC", "MD5")).Message);
    }
}
