namespace SharpVpn.Config.Tests;

/// <summary>Known-but-unsupported options are named at start-up, never silently ignored.</summary>
public sealed class WarningTests
{
    [Fact]
    public void UnsupportedHarmlessOptions_GiveWarningsWithFileLineAndOption()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        string text = ScenarioConfigTests.ScenarioClientConf + "\nscript-security 2\nup-delay\nregister-dns\nblock-outside-dns\nroute-delay 2\nns-cert-type server\nmute-replay-warnings\n";

        ClientConfig c = ConfigParser.ParseClientFromText(text, "client.conf", dir.DirectoryPath);

        Assert.Contains("client.conf:18: option 'up-delay' is not supported by SharpVPN and is ignored (SharpVPN runs only up, down, route-up, route-pre-down, ipchange, tls-verify, tls-crypt-v2-verify, auth-user-pass-verify, client-connect, client-disconnect and learn-address scripts)", c.Warnings);
        Assert.Contains("client.conf:19: option 'register-dns' is not supported by SharpVPN and is ignored (is Windows-only)", c.Warnings);
        Assert.Contains("client.conf:20: option 'block-outside-dns': is a Windows-only option; it is accepted and has no effect on Linux", c.Warnings);
        Assert.Contains(c.Warnings, w => w.StartsWith("client.conf:21: option 'route-delay'", StringComparison.Ordinal));
        Assert.Contains(c.Warnings, w => w.StartsWith("client.conf:22: option 'ns-cert-type'", StringComparison.Ordinal));
        Assert.Equal(CertificateRole.Server, c.Tls.NsCertType);
        Assert.Equal(2, c.Process.ScriptSecurity);
        Assert.True(c.DataChannel.MuteReplayWarnings);
    }

    [Fact]
    public void ServerOnlyOptionInClientConfig_IsAWarning()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf + "\nclient-to-client\n", "client.conf", dir.DirectoryPath);
        Assert.Contains("client.conf:17: option 'client-to-client': only applies to servers and is ignored in a client config", c.Warnings);
    }

    [Fact]
    public void OptionHelp_ListsEverySupportedOptionOnce()
    {
        IReadOnlyDictionary<string, string> help = ConfigParser.OptionHelp();
        Assert.Contains("keepalive", help.Keys);
        Assert.Contains("nat-masquerade", help.Keys);
        Assert.DoesNotContain("fragment", help.Keys);
    }
}
