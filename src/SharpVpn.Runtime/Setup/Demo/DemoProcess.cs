using System.Diagnostics;

namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>
/// A child process the demo runs inside a namespace (<c>ip netns exec NS file args</c>; ip execs the
/// command, so the pid is the command's own). Output lines are collected and can be waited for.
/// </summary>
internal sealed class DemoProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly Action<string>? _onLine;
    private int _stopped;

    public DemoProcess(string? networkNamespace, IReadOnlyList<string> command, Action<string>? onLine = null)
    {
        _onLine = onLine;
        var psi = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        IEnumerable<string> args = command;
        if (networkNamespace is null)
        {
            psi.FileName = command[0];
            args = command.Skip(1);
        }
        else
        {
            psi.FileName = "ip";
            args = new[] { "netns", "exec", networkNamespace }.Concat(command);
        }

        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["LC_ALL"] = "C";
        // Plain output from the child sharpvpn: the demo draws its own progress.
        psi.Environment["NO_COLOR"] = "1";
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        Pid = _process.Id;
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Waits until a line contains <paramref name="text"/>; false on timeout or if the process exits first.</summary>
    public async Task<bool> WaitForAsync(string text, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            lock (_gate)
            {
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    return true;
                }
            }

            if (_process.HasExited)
            {
                // Let the output readers drain before the last look.
                _process.WaitForExit();
                lock (_gate)
                {
                    return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
                }
            }

            await Task.Delay(100, cancellationToken);
        }

        return false;
    }

    /// <summary>Waits for the process to exit and its output to be read to the end; false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>. Safe to call more than once and from a signal handler.</summary>
    public void Stop(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0 || _process.HasExited)
        {
            return;
        }

        Signals.Send(Pid, Signals.SigTerm);
        if (!_process.WaitForExit(grace))
        {
            Signals.Send(Pid, Signals.SigKill);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(5));
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _lines.Add(line);
        }

        _onLine?.Invoke(line);
    }
}
