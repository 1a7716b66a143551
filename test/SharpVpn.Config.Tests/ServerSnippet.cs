namespace SharpVpn.Config.Tests;

/// <summary>The scenario's server.conf plus some lines, parsed in a directory with its files (and any <c>files</c> adds).</summary>
internal static class ServerSnippet
{
    public static ServerConfig Parse(string extra, Action<TempConfigDir>? files = null)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        files?.Invoke(dir);
        return ConfigParser.ParseServerFromText(ScenarioConfigTests.ScenarioServerConf + "\n" + extra, "server.conf", dir.DirectoryPath);
    }

    /// <summary>The message of the ConfigException the lines cause.</summary>
    public static string Error(string extra, Action<TempConfigDir>? files = null) =>
        Assert.Throws<ConfigException>(() => Parse(extra, files)).Message;
}
