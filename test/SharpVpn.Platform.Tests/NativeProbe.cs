using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// A small C program built with gcc around one of the Native AOT executable's native start-up sources
/// (src/SharpVpn.Cli/Native), run as a process: the only way to see what such code does before main.
/// </summary>
internal static class NativeProbe
{
    /// <summary>Compiles <paramref name="probeSource"/> with src/SharpVpn.Cli/Native/<paramref name="nativeFile"/> into <paramref name="dir"/>/probe.</summary>
    public static string Build(string dir, string nativeFile, string probeSource)
    {
        string probe = Path.Combine(dir, "probe");
        string probeFile = Path.Combine(dir, "probe.c");
        File.WriteAllText(probeFile, probeSource);
        (int exit, string output) = Run("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", NativeSource(nativeFile), probeFile, "-o", probe], null);
        Assert.True(exit == 0, $"gcc (needed for the Native AOT link and this test: apt-get install gcc) failed: {output}");
        return probe;
    }

    /// <summary>Runs the probe and reads its one line of name=number fields.</summary>
    public static Dictionary<string, long> RunFields(string probe, string[] args, Dictionary<string, string?> env)
    {
        (int exit, string output) = Run(probe, args, env);
        Assert.True(exit == 0, $"probe failed: {output}");
        return output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('='))
            .ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
    }

    private static (int Exit, string Output) Run(string file, string[] args, Dictionary<string, string?>? env)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach ((string key, string? value) in env ?? [])
        {
            start.Environment[key] = value;
        }
        using Process p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), $"{file} did not finish");
        return (p.ExitCode, output);
    }

    private static string NativeSource(string file, [CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "src", "SharpVpn.Cli", "Native", file));
}
