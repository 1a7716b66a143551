using System.Numerics;
using Xunit.Abstractions;

namespace SharpVpn.Pki.Tests;

public sealed class DhTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void DefaultDh_IsFfdhe2048AndPassesOpensslCheck()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        ca.GenDh();
        string check = Tool.OpenSslOk("dhparam", "-check", "-noout", "-in", ca.DhPath);
        Assert.Contains("DH parameters appear to be ok", check, StringComparison.Ordinal);
        Assert.Contains("GROUP: ffdhe2048", Tool.OpenSslOk("pkeyparam", "-in", ca.DhPath, "-noout", "-text"), StringComparison.Ordinal);
        (BigInteger p, BigInteger g) = DhParameters.Parse(File.ReadAllText(ca.DhPath), ca.DhPath);
        Assert.Equal(2048, p.GetBitLength());
        Assert.Equal(2, g);
    }

    /// <summary>512 bits is for the test only (too small for real use): it proves the generator and the PEM.</summary>
    [Fact]
    [Trait("Category", "Slow")]
    public void GeneratedSafePrime_PassesOpensslCheck()
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int dots = 0;
        ca.GenDh(512, c => dots += c == '.' ? 1 : 0);
        output.WriteLine($"512-bit safe prime in {sw.ElapsedMilliseconds} ms, {dots} sieve survivors");
        string check = Tool.OpenSslOk("dhparam", "-check", "-noout", "-in", ca.DhPath);
        Assert.Contains("DH parameters appear to be ok", check, StringComparison.Ordinal);
        (BigInteger p, BigInteger g) = DhParameters.Parse(File.ReadAllText(ca.DhPath), ca.DhPath);
        Assert.Equal(512, p.GetBitLength());
        Assert.Equal(23, (int)(p % 24));
        Assert.Equal(2, g);
        Assert.True(dots > 0);
    }

    [Theory]
    [InlineData("2147483647", true)]                 // 2^31-1
    [InlineData("170141183460469231731687303715884105727", true)] // 2^127-1
    [InlineData("561", false)]                       // Carmichael numbers fool Fermat, not Miller-Rabin
    [InlineData("41041", false)]
    [InlineData("3215031751", false)]                // strong pseudoprime to bases 2,3,5,7
    [InlineData("170141183460469231731687303715884105729", false)]
    public void MillerRabin_SeparatesPrimesFromPseudoprimes(string n, bool prime)
    {
        Assert.Equal(prime, SafePrime.MillerRabin(BigInteger.Parse(n, System.Globalization.CultureInfo.InvariantCulture), 24));
    }

    [Fact]
    public void MalformedDhFile_IsNamed()
    {
        string path = _dir.File("dh.pem");
        File.WriteAllText(path, DhParameters.Ffdhe2048Pem[..120]);
        Assert.Contains(path, Assert.Throws<PkiException>(() => DhParameters.Parse(File.ReadAllText(path), path)).Message, StringComparison.Ordinal);
    }
}
