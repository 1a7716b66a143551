using System.Diagnostics;

namespace SharpVpn.Pki.Tests;

/// <summary>A scratch directory holding one PKI, deleted afterwards.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"svpki-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string Pki => System.IO.Path.Combine(Path, "pki");
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch dir in /tmp is harmless.
        }
    }
}

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public string All => Stdout + Stderr;
}

/// <summary>Runs the real openssl / easyrsa binaries, the referees for our files.</summary>
public static class Tool
{
    public const string EasyRsa = "/usr/share/easy-rsa/easyrsa";

    public static ToolResult Run(string file, IEnumerable<string> args, IDictionary<string, string>? env = null, string? cwd = null, int timeoutMs = 120_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach (var kv in env)
            {
                psi.Environment[kv.Key] = kv.Value;
            }
        }
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms.");
        }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static ToolResult OpenSsl(params string[] args) => Run("openssl", args);

    /// <summary>Runs openssl and fails the test with its output if it exits non-zero.</summary>
    public static string OpenSslOk(params string[] args)
    {
        ToolResult r = OpenSsl(args);
        Assert.True(r.ExitCode == 0, $"openssl {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.Stdout + r.Stderr;
    }

    public static ToolResult EasyRsaRun(string pkiDir, string cwd, params string[] args) =>
        Run(EasyRsa, args, new Dictionary<string, string> { ["EASYRSA_BATCH"] = "1", ["EASYRSA_PKI"] = pkiDir }, cwd);

    public static string EasyRsaOk(string pkiDir, string cwd, params string[] args)
    {
        ToolResult r = EasyRsaRun(pkiDir, cwd, args);
        Assert.True(r.ExitCode == 0, $"easyrsa {string.Join(' ', args)} failed ({r.ExitCode}): {r.All}");
        return r.All;
    }
}
