using System.Text;
using SharpVpn.Config;
using SharpVpn.Runtime.Client;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// A proxy's answer comes from the network: whatever bytes it sends, the handshakes end with a tunnel or a
/// ProxyException / IOException the engine turns into a retry, never with another exception (seeded, reproducible).
/// </summary>
public sealed class ProxyAnswerFuzzTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(0, 40)];

    [Theory]
    [MemberData(nameof(Seeds))]
    public void HttpProxy_AnyAnswer_EndsInATunnelOrAProxyError(int seed)
    {
        var rng = new Random(seed);
        byte[] answer = seed % 2 == 0 ? RandomBytes(rng) : Mutate(rng, Encoding.ASCII.GetBytes(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\nProxy-Authenticate: Digest nonce=\"1\"\r\n\r\n"));
        var settings = new HttpProxySettings { Server = "p", Port = 1, Auth = HttpProxyAuth.Auto };

        AssertOnlyProxyErrors(answer, pair => new HttpProxyHandshake(settings, () => ("u", "p")).Run(pair.Client, "10.0.0.1", 1194, Timeout));
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void SocksProxy_AnyAnswer_EndsInATunnelOrAProxyError(int seed)
    {
        var rng = new Random(seed);
        byte[] answer = seed % 2 == 0 ? RandomBytes(rng) : Mutate(rng, [5, 2, 1, 0, 5, 0, 0, 3, 4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', 0, 80]);
        var settings = new SocksProxySettings { Server = "p", Credentials = new AuthUserPassSettings("u", "p", null) };

        AssertOnlyProxyErrors(answer, pair => new SocksProxyHandshake(settings, () => ("u", "p")).Run(pair.Client, "10.0.0.1", 1194, Timeout));
        AssertOnlyProxyErrors(answer, pair => new SocksProxyHandshake(settings, () => ("u", "p")).Associate(pair.Client, Timeout));
    }

    private static void AssertOnlyProxyErrors(byte[] answer, Action<LoopbackProxy> handshake)
    {
        using var pair = new LoopbackProxy();
        pair.Answers(answer, thenClose: true);
        Exception? ex = Record.Exception(() => handshake(pair));
        Assert.True(ex is null or ProxyException or IOException, $"{ex?.GetType().Name}: {ex?.Message}");
    }

    private static byte[] RandomBytes(Random rng)
    {
        var bytes = new byte[rng.Next(0, 300)];
        rng.NextBytes(bytes);
        return bytes;
    }

    private static byte[] Mutate(Random rng, byte[] valid)
    {
        byte[] bytes = (byte[])valid.Clone();
        for (int i = rng.Next(1, 4); i > 0; i--)
        {
            bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
        }

        return bytes[..rng.Next(1, bytes.Length + 1)];
    }
}
