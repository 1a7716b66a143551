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

    /// <summary>
    /// The config's timers with a push's in their place (OPT_P_TIMER, applied at do_up). ping-restart and ping-exit
    /// are one timer in OpenVPN (ping_rec_timeout and its action): a pushed one of either kind replaces the config's of
    /// both kinds; among pushed ones the last wins, and the push parser keeps only that one.
    /// </summary>
    public KeepaliveSettings WithPulled(PushReplyOptions pulled)
    {
        ArgumentNullException.ThrowIfNull(pulled);
        bool pulledReceiveTimer = pulled.PingRestartSeconds is not null || pulled.PingExitSeconds is not null;
        (int inactive, long minimumBytes) = pulled.Inactive ?? (InactiveSeconds, InactiveMinimumBytes);
        return this with
        {
            PingSeconds = pulled.PingSeconds ?? PingSeconds,
            PingRestartSeconds = pulledReceiveTimer ? pulled.PingRestartSeconds ?? 0 : PingRestartSeconds,
            PingExitSeconds = pulledReceiveTimer ? pulled.PingExitSeconds ?? 0 : PingExitSeconds,
            InactiveSeconds = inactive,
            InactiveMinimumBytes = minimumBytes,
            SessionTimeoutSeconds = pulled.SessionTimeoutSeconds ?? SessionTimeoutSeconds,
        };
    }
}
