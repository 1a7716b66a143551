using System.Globalization;
using System.Text;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Logging;

/// <summary>
/// Log lines in OpenVPN's style, <c>"2026-11-27 12:00:00 message"</c> (or as <c>suppress-timestamps</c> and
/// <c>machine-readable-output</c> say, <see cref="LogTimestamps"/>), filtered by <c>verb</c>, with
/// <c>mute n</c> (at most n consecutive messages of one category; OpenVPN error.c <c>check_mute</c>) and
/// <c>log</c>/<c>log-append</c> files (otherwise stdout). Thread-safe; setup and control paths only,
/// never per packet (callers check <see cref="IsEnabled"/> before formatting).
/// </summary>
public sealed class OpenVpnLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TextWriter _writer;
    private readonly bool _ownsWriter;
    private readonly TimeProvider _time;
    private readonly LogTimestamps _timestamps;
    private int _lastCategory = -1;
    private int _repeats;
    private int _muted;

    /// <param name="verb">OpenVPN verbosity 0..11.</param>
    /// <param name="mute">0 = off; otherwise the most consecutive messages of one category that are written.</param>
    /// <param name="writer">Destination (stdout when null).</param>
    public OpenVpnLog(int verb, int mute = 0, TextWriter? writer = null, bool ownsWriter = false, TimeProvider? time = null,
        LogTimestamps timestamps = LogTimestamps.LocalTime)
    {
        _timestamps = timestamps;
        Verb = verb;
        Mute = mute;
        _writer = writer ?? Console.Out;
        _ownsWriter = writer is not null && ownsWriter;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Opens the log file of <c>log FILE</c> (truncate) or <c>log-append FILE</c>; null path = stdout.</summary>
    /// <exception cref="IOException">The file cannot be opened; the message names it.</exception>
    public static OpenVpnLog Open(int verb, int mute, string? path, bool append, LogTimestamps timestamps = LogTimestamps.LocalTime)
    {
        if (path is null)
        {
            return new OpenVpnLog(verb, mute, timestamps: timestamps);
        }

        try
        {
            var stream = new FileStream(path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
            var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true };
            return new OpenVpnLog(verb, mute, writer, ownsWriter: true, timestamps: timestamps);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot open the log file '{path}' ({(append ? "log-append" : "log")}): {ex.Message}", ex);
        }
    }

    public int Verb { get; set; }

    public int Mute { get; }

    /// <summary>True when a message of this level would be written.</summary>
    public bool IsEnabled(int level) => level <= Verb;

    /// <summary>Writes one line when <paramref name="level"/> ≤ verb. <paramref name="category"/> groups messages for <c>mute</c> (0 = never muted).</summary>
    public void Write(int level, string message, int category = 0)
    {
        if (level > Verb)
        {
            return;
        }

        lock (_lock)
        {
            if (Mute > 0 && category != 0)
            {
                if (category == _lastCategory)
                {
                    if (++_repeats >= Mute)
                    {
                        _muted++;
                        return;
                    }
                }
                else
                {
                    FlushMuted();
                    _lastCategory = category;
                    _repeats = 0;
                }
            }
            else if (_lastCategory != -1)
            {
                FlushMuted();
                _lastCategory = -1;
                _repeats = 0;
            }

            WriteLine(level, message);
        }
    }

    public void Info(string message) => Write(LogLevel.Info, message);

    public void Dispose()
    {
        lock (_lock)
        {
            FlushMuted();
            _writer.Flush();
            if (_ownsWriter)
            {
                _writer.Dispose();
            }
        }
    }

    private void FlushMuted()
    {
        if (_muted > 0)
        {
            WriteLine(LogLevel.Info, $"[{_muted} similar message(s) muted]");
            _muted = 0;
        }
    }

    private void WriteLine(int level, string message)
    {
        string? stamp = _timestamps switch
        {
            LogTimestamps.None => null,
            LogTimestamps.MachineReadable => MachineReadableStamp(_time.GetUtcNow(), level),
            _ => _time.GetLocalNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
        };
        try
        {
            // One write per line, as openvpn does: whoever tails the log never sees a time stamp without its
            // message, and a log file gets one write(2) per line instead of three.
            _writer.Write(stamp is null ? string.Concat(message, _writer.NewLine) : string.Concat(stamp, " ", message, _writer.NewLine));
            _writer.Flush();
        }
        catch (IOException)
        {
            // A broken stdout/log file must not take the tunnel down; there is nowhere left to report it.
        }
        catch (ObjectDisposedException)
        {
            // Written after shutdown closed the file: nothing to do.
        }
    }

    // "1795969921.197120 1": seconds and microseconds since 1970 (UTC), then the level in hex (openvpn: its flags).
    private static string MachineReadableStamp(DateTimeOffset now, int level)
    {
        long micros = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;
        return string.Create(CultureInfo.InvariantCulture, $"{micros / 1_000_000}.{micros % 1_000_000:D6} {level:x}");
    }
}
