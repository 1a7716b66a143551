using System.Diagnostics;
using Xunit.Abstractions;

namespace SharpVpn.Pki.Tests;

public sealed class PerformanceTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [Trait("Category", "Slow")]
    [InlineData(true)]
    [InlineData(false)]
    public void BuildClientFull_200EcClients_TakesSeconds(bool durable)
    {
        var ca = CertificateAuthority.InitPki(_dir.Pki, settings: new PkiSettings { Algorithm = KeyAlgorithm.Ec });
        ca.DurableWrites = durable;
        ca.BuildCa();
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 200; i++)
        {
            ca.BuildClientFull($"client{i:D3}");
        }
        sw.Stop();
        output.WriteLine($"build-client-full x200 (EC secp384r1, CA EC, durable={durable}): {sw.Elapsed.TotalSeconds:F2} s ({sw.Elapsed.TotalMilliseconds / 200:F1} ms each)");
        Assert.Equal(200, ca.List().Count);
        Assert.Equal(200, File.ReadAllLines(Path.Combine(_dir.Pki, "index.txt")).Length);
        // Spot-check the last one with openssl.
        Tool.OpenSslOk("verify", "-CAfile", ca.CaCertPath, ca.CertPath("client199"));
    }
}
