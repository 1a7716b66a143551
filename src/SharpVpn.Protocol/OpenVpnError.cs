namespace SharpVpn.Protocol;

/// <summary>Session-fatal protocol errors (style.md §5). Each ends one peer's session, never the process.</summary>
public enum OpenVpnError
{
    None = 0,

    /// <summary>TLS handshake or record failure, including a rejected peer certificate.</summary>
    TlsFailed,

    /// <summary>TLS + key exchange did not finish within hand-window.</summary>
    HandshakeTimeout,

    /// <summary>The peer's key-method-2 record was malformed or too long.</summary>
    BadKeyMethod,

    /// <summary>No common data cipher (NCP), or the server pushed one we do not accept.</summary>
    CipherNegotiationFailed,

    /// <summary>The server sent AUTH_FAILED, or our server rejected the client.</summary>
    AuthenticationFailed,

    /// <summary>Nothing received for ping-restart seconds.</summary>
    PingRestart,

    /// <summary>The server asked us to reconnect (RESTART).</summary>
    PeerRestart,

    /// <summary>The server asked us to stop (HALT).</summary>
    PeerHalt,

    /// <summary>The peer announced it is shutting down (EXIT / OCC_EXIT).</summary>
    PeerExit,

    /// <summary>A pushed option is invalid or asks for something we cannot do (e.g. key-derivation tls-ekm).</summary>
    BadPushedOption,

    /// <summary>The data-channel packet id of a key ran out and no new key could be negotiated.</summary>
    PacketIdExhausted,

    /// <summary>Any other violation of the protocol by the peer.</summary>
    ProtocolViolation,
}
