namespace SharpVpn.Config.Tests;

/// <summary>Garbage in: pushed options never throw; configs only ever throw ConfigException.</summary>
public sealed class FuzzTests
{
    private static readonly string[] Words =
    [
        "route", "ifconfig", "topology", "peer-id", "cipher", "ping", "dhcp-option", "redirect-gateway", "push", "remote",
        "10.0.1.0", "255.255.255.0", "999.1.1.1", "-1", "65536", "\"", "'", "\\", "#", ";", ",", "<ca>", "</ca>", "subnet",
        "DNS", "def1", "\u00e9", "\0", "\r", "\t", "  ", "--", "tls-auth", "ta.key", "compress", "lz4-v2", "auth-token", "==",
        "dns", "server", "address", "search-domains", "resolve-domains", "dnssec", "transport", "sni", "0", "[fd00::1]:53",
        "1.2.3.4:53", "fd00::1", "[", "]:",
    ];

    private static string RandomText(Random rng, int maxTokens)
    {
        int n = rng.Next(maxTokens);
        var parts = new List<string>(n);
        for (int i = 0; i < n; i++)
        {
            parts.Add(rng.Next(10) == 0 ? ((char)rng.Next(1, 0x250)).ToString() : Words[rng.Next(Words.Length)]);
            parts.Add(rng.Next(6) == 0 ? "\n" : " ");
        }

        return string.Concat(parts);
    }

    [Fact]
    public void PushedOptionParser_NeverThrows()
    {
        var rng = new Random(4242);
        for (int i = 0; i < 20_000; i++)
        {
            string msg = "PUSH_REPLY," + RandomText(rng, 40).Replace('\n', ',');
            PushReplyOptions p = PushedOptionParser.Parse(msg, [new PullFilter(PullFilterAction.Ignore, "dhcp")]);
            Assert.NotNull(p);
        }
    }

    [Fact]
    public void ConfigParser_OnlyThrowsConfigException()
    {
        var rng = new Random(1717);
        for (int i = 0; i < 5_000; i++)
        {
            string text = RandomText(rng, 30);
            Exception? ex = Record.Exception(() => ConfigParser.ParseServerFromText(text, "fuzz.conf", "/nonexistent"));
            Exception? ex2 = Record.Exception(() => ConfigParser.ParseClientFromText(text, "fuzz.ovpn", "/nonexistent"));
            Assert.True(ex is null or ConfigException, ex?.ToString());
            Assert.True(ex2 is null or ConfigException, ex2?.ToString());
            Assert.StartsWith("fuzz.", ex?.Message ?? "fuzz.", StringComparison.Ordinal);
        }
    }
}
