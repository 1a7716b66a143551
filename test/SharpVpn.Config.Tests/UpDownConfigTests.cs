namespace SharpVpn.Config.Tests;

/// <summary><c>up CMD</c>, <c>down CMD</c> and <c>route-up CMD</c> on both sides: the command for the runtime, and script-security as OpenVPN enforces it.</summary>
public sealed class UpDownConfigTests
{
    [Fact]
    public void Server_UpAndDown_SplitIntoWords()
    {
        ServerConfig c = ServerSnippet.Parse("script-security 2\nup \"/bin/true --firewall open\"\ndown /bin/true\nroute-up \"/bin/true routes\"\n");
        Assert.Equal(["/bin/true", "--firewall", "open"], c.Process.Up);
        Assert.Equal(["/bin/true"], c.Process.Down);
        Assert.Equal(["/bin/true", "routes"], c.Process.RouteUp);
        Assert.Null(c.Process.RoutePreDown);
        Assert.Equal(["/bin/true"], ServerSnippet.Parse("script-security 2\nroute-pre-down /bin/true\n").Process.RoutePreDown);
        Assert.True(c.Process.HasTunScripts);
        Assert.Null(ServerSnippet.Parse(string.Empty).Process.Up);
    }

    [Fact]
    public void Client_Up_FromAProfile_AndWithoutScriptSecurityItIsAnErrorNamingTheLine()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ClientConfig c = ConfigParser.ParseClientFromText(
            ScenarioConfigTests.ScenarioClientConf + "\nscript-security 2\nup /bin/true\ndown /bin/true\nipchange \"/bin/true ip\"\n", "client.conf", dir.DirectoryPath);
        Assert.Equal(["/bin/true"], c.Process.Up);
        Assert.Equal(["/bin/true", "ip"], c.Process.Ipchange);
        Assert.False(c.Process.UpRestart || c.Process.DownPre);
        ClientConfig restart = ConfigParser.ParseClientFromText(
            ScenarioConfigTests.ScenarioClientConf + "\nscript-security 2\nup /bin/true\nup-restart\ndown-pre\n", "client.conf", dir.DirectoryPath);
        Assert.True(restart.Process.UpRestart && restart.Process.DownPre);
        Assert.DoesNotContain(c.Warnings, w => w.Contains("'up'", StringComparison.Ordinal));

        string error = Assert.Throws<ConfigException>(() =>
            ConfigParser.ParseClientFromText(ScenarioConfigTests.ScenarioClientConf + "\nup /etc/openvpn/update-resolv-conf\n", "client.conf", dir.DirectoryPath)).Message;
        Assert.Contains("client.conf:", error, StringComparison.Ordinal);
        Assert.Contains("needs 'script-security 2' or higher", error, StringComparison.Ordinal);
    }
}
