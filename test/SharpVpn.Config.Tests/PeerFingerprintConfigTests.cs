using System.Globalization;

namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>peer-fingerprint</c> as OpenVPN 2.6 parses it (options.c parse_hash_fingerprint[_multiline]): on the option line
/// or one per line of an inline block, all occurrences collected, and 'ca' optional with it.
/// </summary>
public sealed class PeerFingerprintConfigTests
{
    private const string Upper = "AD:B0:95:D8:09:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA";
    private const string Lower = "00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff";
    private const string Other = "11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00";

    // The scenario's client without 'ca' and 'remote-cert-tls' (a PKI-less setup's certificates have no EKU).
    private static readonly string PkiLessClient = ScenarioConfigTests.ScenarioClientConf
        .Replace("ca ca.crt\n", "", StringComparison.Ordinal).Replace("remote-cert-tls server\n", "", StringComparison.Ordinal);

    private static readonly string PkiLessServer = ScenarioConfigTests.ScenarioServerConf.Replace("ca ca.crt\n", "", StringComparison.Ordinal);

    [Fact]
    public void LineAndInlineBlock_AreCollected_AsThirtyTwoBytes_AndCaIsOptional()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(PkiLessClient + $"""

            peer-fingerprint {Upper}
            <peer-fingerprint>
            # the office laptop
              {Lower}

            ; the spare one
            {Other}
            </peer-fingerprint>
            """, "client.conf", dir.DirectoryPath);

        Assert.Null(c.Tls.CaPem);
        Assert.Equal([Upper.ToLowerInvariant(), Lower, Other], c.Tls.PeerFingerprints!.Select(Hex));
        Assert.All(c.Tls.PeerFingerprints!, f => Assert.Equal(32, f.Length));
    }

    [Fact]
    public void Server_WithFingerprints_NeedsNoCa_AndKeepsItWhenGiven()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig pkiLess = ConfigParser.ParseServerFromText(PkiLessServer + $"\n<peer-fingerprint>\n{Lower}\n</peer-fingerprint>\n", "server.conf", dir.DirectoryPath);
        ServerConfig both = ConfigParser.ParseServerFromText(ScenarioConfigTests.ScenarioServerConf + $"\npeer-fingerprint {Lower}\n", "server.conf", dir.DirectoryPath);

        Assert.Null(pkiLess.Tls.CaPem);
        Assert.Equal([Lower], pkiLess.Tls.PeerFingerprints!.Select(Hex));
        Assert.Equal(TempConfigDir.CaPem, both.Tls.CaPem);
        Assert.Equal([Lower], both.Tls.PeerFingerprints!.Select(Hex));
        Assert.Null(ConfigParser.ParseServerFromText(ScenarioConfigTests.ScenarioServerConf, "server.conf", dir.DirectoryPath).Tls.PeerFingerprints);
    }

    [Fact]
    public void CrlVerifyWithoutCa_Warns_AsItChecksNothingThen()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("crl.pem", TempConfigDir.CrlPem);
        ServerConfig pkiLess = ConfigParser.ParseServerFromText(PkiLessServer + $"\ncrl-verify crl.pem\npeer-fingerprint {Lower}\n", "server.conf", dir.DirectoryPath);
        ServerConfig withCa = ConfigParser.ParseServerFromText(ScenarioConfigTests.ScenarioServerConf + $"\ncrl-verify crl.pem\npeer-fingerprint {Lower}\n", "server.conf", dir.DirectoryPath);

        Assert.Contains(pkiLess.Warnings, w => w.StartsWith("server.conf: option 'crl-verify': has no effect without 'ca'", StringComparison.Ordinal));
        Assert.DoesNotContain(withCa.Warnings, w => w.Contains("crl-verify", StringComparison.Ordinal));
    }

    [Fact]
    public void NeitherCaNorFingerprint_IsStillAnError()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        var ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(PkiLessClient, "client.conf", dir.DirectoryPath));
        // An empty block (the man page's server example before any client is added) lists nothing: openvpn wants a CA then too.
        var empty = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(PkiLessClient + "\n<peer-fingerprint>\n# none yet\n</peer-fingerprint>\n", "client.conf", dir.DirectoryPath));
        Assert.Equal(ex.Message, empty.Message);
        Assert.Equal("client.conf: option 'ca': is required (the CA certificate that signs the peer), unless 'peer-fingerprint' lists the peer certificates accepted", ex.Message);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { Upper[..^3], "has 31 byte(s); a SHA-256 fingerprint has 32" },
        { Upper + ":01", "has 33 byte(s); a SHA-256 fingerprint has 32" },
        { Upper.Replace(":", "", StringComparison.Ordinal), "has no ':' between its bytes" },
        { "ZZ" + Upper[2..], "'ZZ' (byte 1 of" },
        { Upper[..^2] + "A", "'A' (byte 32 of" },
        { Upper.Replace("AD:B0", "ADB:0", StringComparison.Ordinal), "'ADB' (byte 1 of" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedFingerprint_NamesFileAndLine(string fingerprint, string why)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        int lines = PkiLessClient.Split('\n').Length;
        var onLine = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(PkiLessClient + $"\npeer-fingerprint {fingerprint}\n", "client.conf", dir.DirectoryPath));
        var inBlock = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(
            PkiLessClient + $"\n<peer-fingerprint>\n{Lower}\n# comment\n{fingerprint}\n</peer-fingerprint>\n", "client.conf", dir.DirectoryPath));

        Assert.StartsWith($"client.conf:{(lines + 1).ToString(CultureInfo.InvariantCulture)}: option 'peer-fingerprint': '", onLine.Message, StringComparison.Ordinal);
        Assert.Contains(why, onLine.Message, StringComparison.Ordinal);
        Assert.Equal(lines + 4, inBlock.Line); // the bad line inside the block, not the opening tag
        Assert.Contains(why, inBlock.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SameFingerprintsAsOpenVpn_AndOpenVpnAcceptsTheConfigWithoutCa()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("ta.key", OpenVpnRefereeTests.RealStaticKey());
        string path = dir.Write("client.conf", PkiLessClient + $"\npeer-fingerprint {Upper}\n<peer-fingerprint>\n{Lower}\n# c\n{Other}\n</peer-fingerprint>\n");

        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);
        ClientConfig ours = ConfigParser.ParseClient(path);

        // openvpn prints them lower case; it keeps an inline block's lines in reverse order, which does not matter.
        Assert.Equal(theirs.All("verify_hash").Order(StringComparer.Ordinal), ours.Tls.PeerFingerprints!.Select(Hex).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("AD:B0:95")]
    [InlineData("XX:B0:95:D8:09:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA")]
    [InlineData("AD:B0:95:D8:09:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB")]
    public void FingerprintOpenVpnRefuses_WeRefuse(string fingerprint)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("ta.key", OpenVpnRefereeTests.RealStaticKey());
        string path = dir.Write("client.conf", PkiLessClient + $"\npeer-fingerprint {fingerprint}\n");

        Assert.False(OpenVpnReferee.AcceptsOptions(path, out string output), output);
        Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));
    }

    private static string Hex(byte[] bytes) => string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
