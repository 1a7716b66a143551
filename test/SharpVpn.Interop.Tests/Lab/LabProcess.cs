using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// A long-running process inside a lab namespace (openvpn, sharpvpn, iperf3). Its stdout, stderr and,
/// optionally, a log file it writes are merged line by line into <see cref="Output"/>.
/// </summary>
public sealed class LabProcess : IAsyncDisposable
{
    private static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<TimeSpan> _lineTimes = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly string? _followFile;
    private readonly CancellationTokenSource _followStop = new();
    private readonly Task _follower;
    private int _disposed;
    private volatile bool _stopped;
    private int _exitCode;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stdoutEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal LabProcess(LabHost host, string file, IReadOnlyList<string> args, string? workDir, string? followFile, bool keepInput = false)
    {
        Host = host;
        _followFile = followFile;
        // 'ip netns exec' enters the namespace and then execs the command, so the PID we get is the command's own.
        var psi = new ProcessStartInfo("ip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "netns", "exec", host.Namespace, file }.Concat(args))
        {
            psi.ArgumentList.Add(arg);
        }
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }
        CommandLine = ProcessRunner.FormatCommandLine(file, args);
        _process = new Process { StartInfo = psi };
        // A null line is the reader's end of file: DrainOutput waits for both.
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { Append(e.Data); } else { _stdoutEnded.TrySetResult(); } };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Append(e.Data); } else { _stderrEnded.TrySetResult(); } };
        _process.Start();
        Pid = _process.Id;
        if (!keepInput)
        {
            _process.StandardInput.Close();
        }

        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _follower = followFile is null ? Task.CompletedTask : Task.Run(() => FollowFileAsync(followFile, _followStop.Token));
    }

    public LabHost Host { get; }

    /// <summary>Types a line on the process's stdin (started with keepInput), as a user answering a prompt.</summary>
    public async Task WriteLineAsync(string line)
    {
        await _process.StandardInput.WriteAsync(line + "\n");
        await _process.StandardInput.FlushAsync();
    }

    public int Pid { get; }

    public string CommandLine { get; }

    public bool HasExited => _stopped || _process.HasExited;

    /// <summary>The exit code once the process has exited, otherwise null.</summary>
    public int? ExitCode => _stopped ? _exitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>Every line captured so far (stdout, stderr and the followed log file), newline-separated.</summary>
    public string Output
    {
        get { lock (_lines) { return string.Join('\n', _lines); } }
    }

    /// <summary>How many lines have been captured so far.</summary>
    public int LineCount
    {
        get { lock (_lines) { return _lines.Count; } }
    }

    /// <summary>A snapshot of the captured lines.</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_lines) { return [.. _lines]; } }
    }

    /// <summary>Waits until a captured line contains <paramref name="substring"/>; returns that line.</summary>
    public Task<string> WaitForOutputAsync(string substring, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForAsync(line => line.Contains(substring, StringComparison.Ordinal), $"'{substring}'", timeout, 0, cancellationToken);

    /// <summary>Waits until a captured line matches <paramref name="pattern"/>; returns that line.</summary>
    public Task<string> WaitForOutputAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitForAsync(pattern.IsMatch, $"/{pattern}/", timeout, 0, cancellationToken);

    /// <summary>As above, but only lines with index &gt;= <paramref name="fromLine"/> count (take <see cref="LineCount"/> before triggering the event).</summary>
    public Task<string> WaitForOutputAsync(string substring, TimeSpan timeout, int fromLine, CancellationToken cancellationToken = default) =>
        WaitForAsync(line => line.Contains(substring, StringComparison.Ordinal), $"'{substring}'", timeout, fromLine, cancellationToken);

    /// <summary>As the other overloads, but only lines with index &gt;= <paramref name="fromLine"/> count (see <see cref="Lines"/>).</summary>
    public Task<string> WaitForOutputAsync(Regex pattern, TimeSpan timeout, int fromLine, CancellationToken cancellationToken = default) =>
        WaitForAsync(pattern.IsMatch, $"/{pattern}/", timeout, fromLine, cancellationToken);

    /// <summary>Time since the process was started.</summary>
    public TimeSpan Uptime => _clock.Elapsed;

    /// <summary>
    /// When (since start) the first line containing <paramref name="substring"/> was captured, or null.
    /// Lines from a followed log file arrive up to ~50 ms late; for precise timings read stdout.
    /// </summary>
    public TimeSpan? TimeOfFirst(string substring)
    {
        lock (_lines)
        {
            int index = _lines.FindIndex(l => l.Contains(substring, StringComparison.Ordinal));
            return index < 0 ? null : _lineTimes[index];
        }
    }

    /// <summary>The last <paramref name="count"/> captured lines, for failure messages.</summary>
    public string Tail(int count = 40)
    {
        lock (_lines)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - count)));
        }
    }

    /// <summary>SIGTERM by PID, then SIGKILL if it is still running after <paramref name="grace"/> (default 5 s).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_stopped)
        {
            return;
        }
        if (!_process.HasExited)
        {
            Native.Kill(Pid, Native.SigTerm);
            if (!await WaitUntilExitedAsync(grace ?? DefaultGrace) && !_process.HasExited)
            {
                Native.Kill(Pid, Native.SigKill);
                await WaitUntilExitedAsync(TimeSpan.FromSeconds(10));
            }
        }
        DrainOutput();
        await StopFollowingAsync();
        _exitCode = _process.HasExited ? _process.ExitCode : -1;
        _stopped = true;
    }

    /// <summary>Stops the process (see <see cref="StopAsync"/>); safe to call twice, e.g. by a test and then by the lab.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await StopAsync();
        _process.Dispose();
        _followStop.Dispose();
    }

    /// <summary>Synchronous last-resort kill used by the lab's exit handlers.</summary>
    internal void KillNow()
    {
        if (!_stopped && !_process.HasExited)
        {
            Native.Kill(Pid, Native.SigKill);
        }
    }

    private async Task<string> WaitForAsync(Func<string, bool> match, string what, TimeSpan timeout, int fromLine, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        int next = fromLine;
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                for (; next < _lines.Count; next++)
                {
                    if (match(_lines[next]))
                    {
                        return _lines[next];
                    }
                }
                changed = _changed.Task;
            }

            if (HasExited)
            {
                // Drain what the process and the log file still hold, then look once more.
                if (!_stopped)
                {
                    DrainOutput();
                    await StopFollowingAsync();
                }
                lock (_lines)
                {
                    for (; next < _lines.Count; next++)
                    {
                        if (match(_lines[next]))
                        {
                            return _lines[next];
                        }
                    }
                }
                throw new InvalidOperationException(
                    $"{CommandLine} in {Host} exited with {ExitCode} before printing {what}. Last output:\n{Tail()}");
            }

            TimeSpan remaining = timeout - clock.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException(
                    $"{CommandLine} in {Host} did not print {what} within {timeout.TotalSeconds:0.#} s. Last output:\n{Tail()}");
            }
            TimeSpan slice = remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200);
            await Task.WhenAny(changed, Task.Delay(slice, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Waits until the process exits by itself (true) or <paramref name="timeout"/> passes (false); once it exited,
    /// its last output (a final error line on stderr, say) is in <see cref="Lines"/> too.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (!await WaitUntilExitedAsync(timeout))
        {
            return false;
        }
        if (!_stopped)
        {
            DrainOutput();
            await StopFollowingAsync();
        }
        return true;
    }

    // Polls HasExited rather than WaitForExitAsync, which also waits for EOF on stdout/stderr:
    // a child the process left behind (still in the namespace) can hold those pipes open for minutes.
    private async Task<bool> WaitUntilExitedAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_process.HasExited)
        {
            if (clock.Elapsed >= timeout)
            {
                return false;
            }
            await Task.Delay(20);
        }
        return true;
    }

    // Once the process has exited, waits (at most a few seconds) until the asynchronous readers reach the end of
    // stdout and stderr, so a final error line is in Lines. Process.WaitForExit(timeout) does not wait for them
    // (only the overload without a timeout does, and a child left behind could hold the pipes open for minutes).
    private void DrainOutput() =>
        Task.WhenAll(_stdoutEnded.Task, _stderrEnded.Task).Wait(TimeSpan.FromSeconds(5));

    private void Append(string line)
    {
        TaskCompletionSource old;
        lock (_lines)
        {
            _lines.Add(line);
            _lineTimes.Add(_clock.Elapsed);
            old = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        old.TrySetResult();
    }

    private async Task StopFollowingAsync()
    {
        if (_followFile is null || _follower.IsCompleted)
        {
            await _follower;
            return;
        }
        await _followStop.CancelAsync();
        await _follower;
    }

    // Polls the file for appended text; a final read after cancellation catches the last lines.
    private async Task FollowFileAsync(string path, CancellationToken stop)
    {
        long position = 0;
        var partial = new StringBuilder();
        while (true)
        {
            bool stopping = stop.IsCancellationRequested;
            if (File.Exists(path))
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                if (stream.Length < position)
                {
                    position = 0; // truncated or replaced
                }
                stream.Position = position;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                string text = await reader.ReadToEndAsync(CancellationToken.None);
                position = stream.Position;
                partial.Append(text);
                string all = partial.ToString();
                int lastNewline = all.LastIndexOf('\n');
                if (lastNewline >= 0)
                {
                    foreach (string line in all[..lastNewline].Split('\n'))
                    {
                        Append(line.TrimEnd('\r'));
                    }
                    partial.Clear().Append(all[(lastNewline + 1)..]);
                }
            }
            if (stopping)
            {
                if (partial.Length > 0)
                {
                    Append(partial.ToString());
                }
                return;
            }
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                // Loop once more for the final read.
            }
        }
    }
}
