namespace SharpVpn.Protocol.Session;

/// <summary>Kinds of <see cref="SessionEvent"/>.</summary>
public enum SessionEventKind
{
    /// <summary>
    /// Server only, key_id 0: TLS and key method 2 finished; the runtime checks credentials/peer-info
    /// (<see cref="TunnelSession.PeerUsername"/>, <see cref="TunnelSession.PeerInfo"/>, <see cref="TunnelSession.PeerCommonName"/>)
    /// and calls <see cref="TunnelSession.AcceptPeer"/> or <see cref="TunnelSession.RejectPeer"/>.
    /// </summary>
    PeerAuthenticationRequired,

    /// <summary>
    /// Server only, with <see cref="TunnelSessionOptions.ApproveRenegotiations"/>: a renegotiation's TLS and key method 2
    /// finished (<see cref="TunnelSession.RenegotiationUsername"/>/<see cref="TunnelSession.RenegotiationPassword"/>); the old
    /// key carries the data meanwhile. The runtime calls <see cref="TunnelSession.AcceptRenegotiation"/> or
    /// <see cref="TunnelSession.RejectPeer"/>, as OpenVPN re-runs auth-user-pass-verify on every renegotiation.
    /// </summary>
    RenegotiationApprovalRequired,

    /// <summary>
    /// First data keys are installed. Client: the PUSH_REPLY was applied (<see cref="SessionEvent.PushedOptions"/>).
    /// Server: the client was accepted and keys derived. The data path may start.
    /// </summary>
    Connected,

    /// <summary>A renegotiation finished: a new key_id is active (decrypt both until the lame duck expires).</summary>
    KeysChanged,

    /// <summary>Keepalive: nothing was sent for <c>ping</c> seconds; send a data-channel ping now.</summary>
    PingDue,

    /// <summary>A control message the runtime may want to show or log (INFO, unknown messages).</summary>
    Info,

    /// <summary>Fatal: the session is over. <see cref="SessionEvent.Error"/> says why (AUTH_FAILED, RESTART, HALT, EXIT, ping-restart, TLS error...).</summary>
    Closed,
}

/// <summary>Something the runtime must act on; read with <see cref="TunnelSession.TryDequeueEvent"/>.</summary>
public sealed record SessionEvent(SessionEventKind Kind, string? Message = null, OpenVpnError Error = OpenVpnError.None,
    IReadOnlyList<string>? PushedOptions = null, int KeyId = 0)
{
    public override string ToString() => $"{Kind}{(Error != OpenVpnError.None ? $" ({Error})" : string.Empty)}{(Message is null ? string.Empty : ": " + Message)}";
}
