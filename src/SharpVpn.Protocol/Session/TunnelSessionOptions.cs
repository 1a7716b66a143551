using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Session;

/// <summary>
/// Configuration of one <see cref="TunnelSession"/>. Durations are milliseconds; 0 disables a timer.
/// Build one per session (the wrap object holds per-session replay state).
/// </summary>
public sealed record TunnelSessionOptions
{
    /// <summary>True for the TLS server role.</summary>
    /// <summary>
    /// Server: a renegotiated key becomes active only after the runtime approves it
    /// (<see cref="SessionEventKind.RenegotiationApprovalRequired"/>); false activates it at once.
    /// </summary>
    public bool ApproveRenegotiations { get; init; }

    public required bool IsServer { get; init; }

    /// <summary>Creates a fresh TLS engine for every key state (hard reset and each renegotiation).</summary>
    public required Func<ITlsEngine> TlsEngineFactory { get; init; }

    /// <summary>Control-channel protection for this session (NoControlWrap, TlsAuth, TlsCrypt, tls-crypt-v2). Owned by the session.</summary>
    public required IControlChannelWrap Wrap { get; init; }

    /// <summary>Our OCC options string (<see cref="OccOptionsString.Build"/>), sent in key method 2.</summary>
    public required string OptionsString { get; init; }

    /// <summary><c>data-ciphers</c> (2.6 default AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305).</summary>
    public IReadOnlyList<string> DataCiphers { get; init; } = CipherNegotiation.DefaultDataCiphers;

    /// <summary><c>data-ciphers-fallback</c> (e.g. AES-256-CBC for peers without NCP); null if not set.</summary>
    public string? DataCiphersFallback { get; init; }

    /// <summary><c>auth</c> digest used with CBC data ciphers (default SHA1).</summary>
    public string Auth { get; init; } = "SHA1";

    /// <summary>Wall-clock Unix seconds for the tls-auth/tls-crypt replay "time" field (latched on first use).</summary>
    public uint NetTimeSeconds { get; init; }

    /// <summary><c>tls-timeout</c>: first retransmission timeout of control packets.</summary>
    public long TlsTimeoutMs { get; init; } = 2000;

    /// <summary><c>hand-window</c>: a key exchange must finish within this time.</summary>
    public long HandWindowMs { get; init; } = 60_000;

    /// <summary><c>tran-window</c>: how long the previous key stays usable after a renegotiation starts.</summary>
    public long TransitionWindowMs { get; init; } = 3_600_000;

    /// <summary><c>reneg-sec</c> (default 3600 s; a server may pass a value with OpenVPN's 10% jitter already applied). 0 = off.</summary>
    public long RenegotiateMs { get; init; } = 3_600_000;

    /// <summary><c>reneg-bytes</c> over the data channel on one key (both directions). 0 = off.</summary>
    public long RenegotiateBytes { get; init; }

    /// <summary><c>reneg-pkts</c> on one key (both directions). 0 = off.</summary>
    public long RenegotiatePackets { get; init; }

    /// <summary><c>ping</c>: send a ping when nothing was sent for this long. 0 = off; <see cref="TunnelSession.SetKeepalive"/> changes it.</summary>
    public long PingIntervalMs { get; init; }

    /// <summary><c>ping-restart</c>: end the session when nothing was received for this long. 0 = off; <see cref="TunnelSession.SetKeepalive"/> changes it.</summary>
    public long PingRestartMs { get; init; }

    /// <summary>Largest control datagram we send, IP/UDP headers included in the budget (OpenVPN's tls_mtu, 1250).</summary>
    public int MaxControlPacketBytes { get; init; } = ProtocolConstants.MaxSentControlPacketBytes;

    /// <summary>Data-channel replay window (<c>replay-window n t</c>).</summary>
    public int ReplayWindowPackets { get; init; } = 64;

    public int ReplayWindowSeconds { get; init; } = 15;

    // ---- client only ----

    /// <summary>Client: <c>auth-user-pass</c> username (null: none sent).</summary>
    public string? Username { get; init; }

    /// <summary>Client: <c>auth-user-pass</c> password.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Client with <c>auth-nocache</c>: the username and password for each renegotiated key, read anew (the file
    /// again, or asked again) as OpenVPN's client does once it has purged the ones it sent; null = <see cref="Username"/>
    /// and <see cref="Password"/> again. Not called while an auth-token stands in for the password.
    /// </summary>
    public Func<(string Username, string Password)>? ReadCredentialsAgain { get; init; }

    /// <summary>
    /// Client: a session token an earlier connection's server pushed (<c>auth-token</c>), sent instead of
    /// <see cref="Password"/> (and <see cref="AuthTokenUser"/> instead of <see cref="Username"/> if set); null = none.
    /// </summary>
    public string? AuthToken { get; init; }

    /// <summary>Client: the username pushed with the token (<c>auth-token-user</c>, decoded).</summary>
    public string? AuthTokenUser { get; init; }

    /// <summary>Client: peer-info text (<see cref="Control.PeerInfo.BuildClient"/>); its IV_PROTO decides what we announce.</summary>
    public string? PeerInfo { get; init; }

    /// <summary>Client: resend PUSH_REQUEST this often until a PUSH_REPLY arrives (OpenVPN: 5 s).</summary>
    public long PushRequestIntervalMs { get; init; } = 5000;

    // ---- server only ----

    /// <summary>Server: the peer-id assigned to this client (pushed as <c>peer-id</c> if the client has IV_PROTO DATA_V2).</summary>
    public int PeerId { get; init; } = -1;
}
