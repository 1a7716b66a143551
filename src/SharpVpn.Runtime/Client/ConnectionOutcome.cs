namespace SharpVpn.Runtime.Client;

/// <summary>How one connection attempt ended.</summary>
internal enum ConnectionEnd
{
    /// <summary>SIGINT/SIGTERM: leave.</summary>
    Shutdown,

    /// <summary>Reconnect (ping-restart, RESTART, link reset, handshake timeout, SIGHUP/SIGUSR1).</summary>
    Restart,
}

/// <summary>The end of one connection attempt, with the reason OpenVPN would log and whether it counts as a failure.</summary>
internal readonly record struct ConnectionOutcome(ConnectionEnd End, string Reason, bool WasConnected, bool AdvanceRemote = false)
{
    public static ConnectionOutcome Shutdown(string reason) => new(ConnectionEnd.Shutdown, reason, false);

    /// <summary>The client ends itself (inactive, session-timeout, ping-exit): OpenVPN's SIGTERM[soft,REASON].</summary>
    public static ConnectionOutcome Exit(string reason, bool wasConnected) => new(ConnectionEnd.Shutdown, reason, wasConnected) { IsSoft = true };

    /// <summary>Try the same server again (AUTH_FAILED: OpenVPN's no_advance), even with several remotes.</summary>
    public bool StayOnRemote { get; init; }

    /// <summary>Ended by a timer of its own rather than a signal.</summary>
    public bool IsSoft { get; init; }

    public static ConnectionOutcome Restart(string reason, bool wasConnected, bool advanceRemote = false) =>
        new(ConnectionEnd.Restart, reason, wasConnected, advanceRemote);
}
