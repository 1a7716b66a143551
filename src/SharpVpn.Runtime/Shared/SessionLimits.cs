using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Shared;

/// <summary>
/// OpenVPN's per-connection exit timers, started when a connection starts (init.c do_init_timers) and checked on its
/// control loop at least once a second (OpenVPN's coarse timers tick in seconds too):
/// <list type="bullet">
/// <item><c>inactive N [BYTES]</c>: end after N s without tunnel traffic, i.e. packets read from or written to the tun
/// device (keepalive pings and control packets do not count; forward.c register_activity); with BYTES, fewer than BYTES
/// of such traffic in N s also counts as inactive;</item>
/// <item><c>session-timeout N</c>: end N s after the connection started, whatever the traffic;</item>
/// <item><c>ping-exit N</c>: end after N s without any packet from the peer.</item>
/// </list>
/// The tunnel counters are the data pipe's; nothing here touches the per-packet path.
/// </summary>
internal sealed class SessionLimits
{
    private const long SampleMs = 1000;

    private readonly long _inactiveMs;
    private readonly long _minimumBytes;
    private readonly long _sessionEndMs;
    private readonly long _pingExitMs;
    private readonly long _startedMs;
    private long _lastActivityMs;
    private long _baselineBytes;

    public SessionLimits(int inactiveSeconds, long inactiveMinimumBytes, int sessionTimeoutSeconds, int pingExitSeconds, long nowMs, long tunBytes)
    {
        _inactiveMs = inactiveSeconds * 1000L;
        _minimumBytes = Math.Max(1, inactiveMinimumBytes);
        _sessionEndMs = sessionTimeoutSeconds > 0 ? nowMs + (sessionTimeoutSeconds * 1000L) : long.MaxValue;
        _pingExitMs = pingExitSeconds * 1000L;
        _startedMs = nowMs;
        _lastActivityMs = nowMs;
        _baselineBytes = tunBytes;
    }

    /// <summary>OpenVPN's log line for a limit reached (forward.c).</summary>
    public static string Describe(string reason) => reason switch
    {
        "inactive" => "Inactivity timeout (--inactive), exiting",
        "ping-exit" => "Inactivity timeout (--ping-exit), exiting",
        _ => "Session timeout, exiting",
    };

    /// <summary>True when no limit is set (nothing to check).</summary>
    public bool IsNone => _inactiveMs == 0 && _sessionEndMs == long.MaxValue && _pingExitMs == 0;

    /// <summary>When the loop must look again: every second while traffic is sampled, else at the session's end.</summary>
    public long NextCheckMs(long nowMs) => _inactiveMs > 0 || _pingExitMs > 0 ? nowMs + SampleMs : _sessionEndMs;

    /// <summary>Total tun traffic of a pipe (read + written), the measure of <c>inactive</c>.</summary>
    public static long TunBytes(DataChannelPipe pipe) => pipe.TunReadBytes + pipe.TunWriteBytes;

    /// <summary>
    /// Null while within every limit, else which one ended the connection: "inactive", "session-timeout" or
    /// "ping-exit" (OpenVPN's signal reasons). <paramref name="lastReceivedMs"/> is the last packet from the peer.
    /// </summary>
    public string? Check(long nowMs, long tunBytes, long lastReceivedMs)
    {
        if (nowMs >= _sessionEndMs)
        {
            return "session-timeout";
        }

        if (_pingExitMs > 0 && nowMs - Math.Max(lastReceivedMs, _startedMs) >= _pingExitMs)
        {
            return "ping-exit";
        }

        if (_inactiveMs > 0)
        {
            if (tunBytes - _baselineBytes >= _minimumBytes)
            {
                _baselineBytes = tunBytes;
                _lastActivityMs = nowMs;
            }
            else if (nowMs - _lastActivityMs >= _inactiveMs)
            {
                return "inactive";
            }
        }

        return null;
    }
}
