using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// A small C program built with gcc around one of the Native AOT executable's native start-up sources
/// (src/Native), run as a process: the only way to see what such code does before main. Owns the
/// temporary directory it is built in; disposing deletes it.
/// </summary>
internal sealed class NativeProbe : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sv-native-probe-").FullName;
    private readonly string _program;

    /// <summary>
    /// Compiles <paramref name="probeSource"/> with src/Native/<paramref name="nativeFile"/>, with the
    /// <paramref name="defines"/> (-DNAME) an executable's build gives it (src/Executable.targets).
    /// </summary>
    public NativeProbe(string nativeFile, string probeSource, params string[] defines)
    {
        _program = Path.Combine(_dir, "probe");
        string probeFile = Path.Combine(_dir, "probe.c");
        File.WriteAllText(probeFile, probeSource);
        (int exit, string output) = Run("gcc", ["-O2", "-Wall", "-Wextra", "-Werror", .. defines.Select(d => "-D" + d), NativeSource(nativeFile), probeFile, "-o", _program], null);
        Assert.True(exit == 0, $"gcc (needed for the Native AOT link and this test: apt-get install gcc) failed: {output}");
    }

    /// <summary>Runs the probe and reads its one line of name=number fields.</summary>
    public Dictionary<string, long> RunFields(string[] args, Dictionary<string, string?> env)
    {
        (int exit, string output) = Run(_program, args, env);
        Assert.True(exit == 0, $"probe failed: {output}");
        return output.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('='))
            .ToDictionary(kv => kv[0], kv => long.Parse(kv[1], CultureInfo.InvariantCulture));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

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
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "src", "Native", file));
}
