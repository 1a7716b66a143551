namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>plugin openvpn-plugin-auth-pam.so SERVICE</c>: it counts as a username/password check where openvpn requires one
/// (verify-client-cert none, username-as-common-name). The real openvpn server runs the same line with the real plugin
/// in PamPluginInteropTests (the referee here cannot: loading the plugin is part of its start).
/// </summary>
public sealed class PamPluginConfigTests
{
    private const string Plugin = "/usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-auth-pam.so";

    [Theory]
    [InlineData($"plugin {Plugin} login\n", "login")]
    [InlineData($"plugin {Plugin} \"openvpn\"\nverify-client-cert none\nusername-as-common-name\n", "openvpn")]
    public void AuthPam_IsTheServersPasswordCheck(string lines, string service)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("server.conf", ScenarioConfigTests.ScenarioServerConf + "\n" + lines);

        ServerConfig c = ConfigParser.ParseServer(path);

        Assert.Equal(service, c.PamService);
        Assert.True(c.ChecksUserPass);
        Assert.Null(c.AuthUserPassVerify);
    }

    [Theory]
    [InlineData($"plugin {Plugin}\n", "needs the PAM service name")]
    [InlineData($"plugin {Plugin} \"login login USERNAME password PASSWORD\"\n", "name/value prompt pairs are not supported")]
    [InlineData("plugin /usr/lib/x86_64-linux-gnu/openvpn/plugins/openvpn-plugin-down-root.so \"service openvpn stop\"\n", "only OpenVPN's openvpn-plugin-auth-pam.so is supported")]
    public void WhatSharpVpnCannotDo_IsRefusedNamingTheLine(string lines, string message)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        ConfigException ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseServer(dir.Write("server.conf", ScenarioConfigTests.ScenarioServerConf + "\n" + lines)));

        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
        Assert.Equal("plugin", ex.Option);
    }
}
