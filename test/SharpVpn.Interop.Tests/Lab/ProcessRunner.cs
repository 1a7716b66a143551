using System.Diagnostics;
using System.Text;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>Runs a short command to completion, capturing stdout and stderr, with a hard timeout.</summary>
internal static class ProcessRunner
{
    public static async Task<CommandResult> RunAsync(
        string file, IReadOnlyList<string> args, TimeSpan timeout, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null, string? workDir = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }
        if (environment is not null)
        {
            foreach ((string key, string value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        string commandLine = FormatCommandLine(file, args);
        using var process = new Process { StartInfo = psi };
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"Cannot start '{commandLine}': {ex.Message}", ex);
        }
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutCts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutCts.Token);
        }
        catch (OperationCanceledException)
        {
            // Our own child, killed by its PID.
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await process.WaitForExitAsync(CancellationToken.None);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException(
                $"'{commandLine}' did not finish within {timeout.TotalSeconds:0.#} s.\nstdout:\n{stdout}\nstderr:\n{stderr}");
        }
        // The parameterless wait flushes the asynchronous output readers.
        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new CommandResult(commandLine, process.ExitCode, stdout.ToString(), stderr.ToString());
            }
        }
    }

    public static string FormatCommandLine(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(a => a.Length == 0 || a.Contains(' ', StringComparison.Ordinal) ? $"'{a}'" : a));
}
