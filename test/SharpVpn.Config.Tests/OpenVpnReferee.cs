using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SharpVpn.Config.Tests;

/// <summary>
/// Runs the real openvpn 2.6 on a config and returns its "Current Parameter Settings" (printed at
/// verb 4 after option post-processing, i.e. after 'server' and 'keepalive' are expanded). The
/// config's certificate files are junk, so openvpn stops at SSL set-up, before any device exists;
/// it also runs in a private network namespace (unshare --net) so nothing can leak onto the host.
/// </summary>
internal static partial class OpenVpnReferee
{
    public const string OpenVpnPath = "/usr/sbin/openvpn";

    public static IReadOnlyList<KeyValuePair<string, string>> Settings(string configPath)
    {
        (IReadOnlyList<KeyValuePair<string, string>> settings, string output) = Run(configPath);
        if (settings.Count == 0)
        {
            throw new InvalidOperationException("openvpn printed no settings: " + output);
        }

        return settings;
    }

    /// <summary>True when openvpn got through option parsing and post-processing (it printed its settings).</summary>
    public static bool AcceptsOptions(string configPath, out string output)
    {
        (IReadOnlyList<KeyValuePair<string, string>> settings, output) = Run(configPath);
        return settings.Count > 0;
    }

    private static (IReadOnlyList<KeyValuePair<string, string>> Settings, string Output) Run(string configPath)
    {
        if (!File.Exists(OpenVpnPath))
        {
            throw new InvalidOperationException($"{OpenVpnPath} is missing; the referee tests need openvpn 2.6");
        }

        var psi = new ProcessStartInfo("unshare")
        {
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "--net", OpenVpnPath, "--config", configPath, "--verb", "4", "--ifconfig-noexec", "--route-noexec" })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }

        string output = stdout.Result + stderr.Result;
        var settings = new List<KeyValuePair<string, string>>();
        foreach (string line in output.Split('\n'))
        {
            Match m = SettingLine().Match(line);
            if (m.Success)
            {
                settings.Add(new(m.Groups[1].Value, m.Groups[2].Value.Trim().Trim('\'')));
            }
        }

        return (settings, output);
    }

    public static string One(this IReadOnlyList<KeyValuePair<string, string>> settings, string key) =>
        settings.First(kv => kv.Key == key).Value;

    public static IReadOnlyList<string> All(this IReadOnlyList<KeyValuePair<string, string>> settings, string key) =>
        settings.Where(kv => kv.Key == key).Select(kv => kv.Value).ToList();

    [GeneratedRegex(@"^\S+ \S+ (?:us=\d+ )?\s{2,}([A-Za-z_][\w.\[\]]*) = (.*)$")]
    private static partial Regex SettingLine();
}
