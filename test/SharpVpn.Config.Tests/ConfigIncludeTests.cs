namespace SharpVpn.Config.Tests;

/// <summary><c>config FILE</c> inside a config: the included options apply in place, errors name the included file.</summary>
public sealed class ConfigIncludeTests
{
    [Fact]
    public void IncludedOptions_ApplyWhereTheLineIs_AndLaterLinesOverrideThem()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("common.conf", "ca ca.crt\ncert client.crt\nkey client.key\nverb 5\ndata-ciphers AES-128-GCM\n");
        string path = dir.Write("client.conf", "client\ndev tun\nremote 10.0.0.1\nconfig common.conf\nverb 2\n");

        ClientConfig c = ConfigParser.ParseClient(path);

        Assert.Equal(TempConfigDir.CaPem, c.Tls.CaPem);
        Assert.Equal(["AES-128-GCM"], c.DataChannel.DataCiphers);
        Assert.Equal(2, c.Logging.Verb);
    }

    [Fact]
    public void ErrorInTheIncludedFile_NamesThatFileAndLine()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string included = dir.Write("bad.conf", "verb 3\nport 70000\n");
        string path = dir.Write("client.conf", "client\ndev tun\nremote 10.0.0.1\nconfig bad.conf\n");

        ConfigException e = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(path));

        Assert.Equal(included, e.SourceName);
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public void MissingFileAndSelfInclusion_AreClearErrors()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string missing = dir.Write("a.conf", "client\nconfig nothere.conf\n");
        string loop = dir.Write("b.conf", "client\nconfig b.conf\n");

        ConfigException m = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(missing));
        ConfigException l = Assert.Throws<ConfigException>(() => ConfigParser.ParseClient(loop));

        Assert.Equal((missing, 2), (m.SourceName, m.Line));
        Assert.Contains("nothere.conf': file not found", m.Message, StringComparison.Ordinal);
        Assert.Contains("nested more than 10 levels", l.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRealOpenVpnReadsTheSameIncludes()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        dir.Write("common.conf", "ca ca.crt\ncert client.crt\nkey client.key\nkeepalive 7 70\n");
        string path = dir.Write("client.conf", "client\ndev tun\nremote 10.0.0.1\nconfig common.conf\n");

        ClientConfig ours = ConfigParser.ParseClient(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.Equal(theirs.One("ping_send_timeout"), ours.Keepalive.PingSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ping_rec_timeout"), ours.Keepalive.PingRestartSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
