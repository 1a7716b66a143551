namespace SharpVpn.Config;

/// <summary>
/// Ping timers after <c>keepalive</c> expansion (OpenVPN helper.c <c>helper_keepalive</c>):
/// client <c>keepalive N M</c> = ping N, ping-restart M; server = ping N, ping-restart 2*M, and
/// pushes "ping N" and "ping-restart M". 0 means off.
/// </summary>
public sealed record KeepaliveSettings
{
    public int PingSeconds { get; init; }

    public int PingRestartSeconds { get; init; }

    public int PingExitSeconds { get; init; }

    /// <summary>The raw <c>keepalive</c> arguments, if given.</summary>
    public int? KeepaliveInterval { get; init; }

    public int? KeepaliveTimeout { get; init; }

    /// <summary><c>inactive N [BYTES]</c>: end the connection after N s without tunnel traffic (0 = off).</summary>
    public int InactiveSeconds { get; init; }

    /// <summary><c>inactive</c>'s BYTES: less traffic than this in N s counts as inactive too (0 = any traffic is activity).</summary>
    public long InactiveMinimumBytes { get; init; }

    /// <summary><c>session-timeout N</c>: end the connection N s after it started (0 = off).</summary>
    public int SessionTimeoutSeconds { get; init; }

    /// <summary><c>ping-timer-rem</c>: only run the ping-restart timer with a remote address.</summary>
    public bool PingTimerRemote { get; init; }
}
