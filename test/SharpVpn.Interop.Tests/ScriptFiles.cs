using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>Files the script tests share: an executable script, and a client config with its own credentials and log.</summary>
internal static class ScriptFiles
{
    public static string WriteExecutable(string path, string text)
    {
        File.WriteAllText(path, text.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return path;
    }

    /// <summary>A Modern client config with <c>auth-user-pass</c>, under its own name and log (one per client).</summary>
    public static OpenVpnConfigFile ClientWithPassword(ServerScenario s, string tag, string user, string password)
    {
        string credentials = Path.Combine(s.Lab.WorkDir, $"credentials-{tag}.txt");
        File.WriteAllText(credentials, $"{user}\n{password}\n");
        OpenVpnConfigFile file = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = [$"auth-user-pass {credentials}"] });
        string config = Path.Combine(Path.GetDirectoryName(file.ConfigPath)!, $"client-{tag}.conf");
        string log = Path.Combine(Path.GetDirectoryName(file.LogPath)!, $"client-{tag}.log");
        File.WriteAllText(config, File.ReadAllText(file.ConfigPath).Replace(file.LogPath, log, StringComparison.Ordinal));
        return file with { ConfigPath = config, LogPath = log };
    }

    /// <summary>What a script wrote with <c>env | sort</c>: NAME=VALUE per line (a value may contain '=').</summary>
    public static Dictionary<string, string> ReadEnvFile(string path)
    {
        Assert.True(File.Exists(path), $"the script did not write {path}");
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path))
        {
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                env[line[..eq]] = line[(eq + 1)..];
            }
        }

        return env;
    }
}
