using System.Security.Cryptography.X509Certificates;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Session;

/// <summary>
/// One OpenVPN peer's control session, client or server role, sans-IO (style.md §2): datagrams and the current
/// time go in, control datagrams, data-channel keys and events come out. Combines the wire codec, reliability
/// layer and control-channel wrap with a TLS engine per key state, key method 2, NCP, PUSH_REPLY, key_id
/// rotation with a lame duck, renegotiation triggers, hand-window and keepalive timers.
/// See Session/README.md for how a runtime drives it.
/// </summary>
/// <remarks>
/// Threading: all methods except <see cref="CurrentEncryptKey"/>, <see cref="FindDecryptKey"/>,
/// <see cref="DataPeerId"/> and the Notify* methods must be called from one thread at a time (the session's
/// control loop). Those data-path members read immutable snapshots and may be called from any thread.
/// The last few retired keys stay undisposed, so a data thread still holding one never sees it disposed.
/// </remarks>
public sealed partial class TunnelSession : IDisposable
{
    private const int IpUdpHeaderBytes = 28;
    private const int MaxAckOnControl = ProtocolConstants.MaxAcksOnControlPacket;

    private readonly TunnelSessionOptions _options;
    private readonly IControlChannelWrap _wrap;
    private readonly Queue<byte[]> _outgoing = new();
    private readonly Queue<SessionEvent> _events = new();
    private readonly long[] _dropCounts = new long[DropReasons.Count];
    private readonly List<DataChannelKey> _retiredKeys = new();

    private KeyState _primary;
    private KeyState? _lameDuck;
    private DataCipherSuite? _suite;
    private volatile DataChannelKey? _encryptKey;
    private volatile DataChannelKey?[] _decryptKeys = new DataChannelKey?[8];
    private volatile int _dataPeerId = -1;
    private bool _closed;
    private bool _credentialsSent; // client: a key-method-2 record with the credentials went out (auth-nocache)
    private bool _connected;
    private long _closeAtMs = long.MaxValue;
    private string? _closeReason;
    private long _pingIntervalMs;
    private long _pingRestartMs;
    private long _lastDataSentMs;
    private long _lastReceivedMs;

    private TunnelSession(TunnelSessionOptions options, SessionId local, SessionId remote, KeyState primary, long nowMs)
    {
        _options = options;
        AuthToken = options.AuthToken;
        AuthTokenUser = options.AuthTokenUser;
        _wrap = options.Wrap;
        LocalSessionId = local;
        RemoteSessionId = remote;
        _primary = primary;
        _pingIntervalMs = options.PingIntervalMs;
        _pingRestartMs = options.PingRestartMs;
        _lastDataSentMs = nowMs;
        _lastReceivedMs = nowMs;
        _nextPushRequestMs = long.MaxValue;
    }

    /// <summary>
    /// A client session: queues P_CONTROL_HARD_RESET_CLIENT_V2 (V3 with tls-crypt-v2). Drain
    /// <see cref="TryDequeueOutgoing"/> and send.
    /// </summary>
    public static TunnelSession CreateClient(TunnelSessionOptions options, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.IsServer)
        {
            throw new ArgumentException("CreateClient needs options with IsServer = false.", nameof(options));
        }
        var primary = new KeyState(0, nowMs, options.TlsTimeoutMs);
        var session = new TunnelSession(options, SessionId.NewRandom(), SessionId.Zero, primary, nowMs);
        Opcode reset = options.Wrap is TlsCryptV2ClientWrap ? Opcode.ControlHardResetClientV3 : Opcode.ControlHardResetClientV2;
        primary.Send.Enqueue(reset, ReadOnlySpan<byte>.Empty);
        session.Flush(nowMs);
        return session;
    }

    /// <summary>
    /// A server session created statefully (TCP, or when the stateless cookie is not used): feed the client's
    /// hard reset to <see cref="ProcessControl"/> next; the session answers with its own reset.
    /// </summary>
    public static TunnelSession CreateServer(TunnelSessionOptions options, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireServer(options);
        var primary = new KeyState(0, nowMs, options.TlsTimeoutMs);
        primary.Send.Enqueue(Opcode.ControlHardResetServerV2, ReadOnlySpan<byte>.Empty);
        return new TunnelSession(options, SessionId.NewRandom(), SessionId.Zero, primary, nowMs);
    }

    /// <summary>
    /// A UDP server session created after the stateless cookie check of the client's third packet
    /// (openvpn-protocol.md §6.1 step 3): own sid = <paramref name="cookie"/>, message ids continue at 1 both ways,
    /// the wrap's replay counter continues at 2. Then feed the verified third packet to <see cref="ProcessControl"/>.
    /// </summary>
    public static TunnelSession CreateServerFromCookie(TunnelSessionOptions options, SessionId cookie, SessionId clientSessionId, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(options);
        RequireServer(options);
        var primary = new KeyState(0, nowMs, options.TlsTimeoutMs, firstSendId: 1, firstReceiveId: 1)
        {
            PeerResetReceived = true,
        };
        options.Wrap.SetSendCounter(1, options.NetTimeSeconds);
        var session = new TunnelSession(options, cookie, clientSessionId, primary, nowMs);
        session.StartTls(primary);
        return session;
    }

    private static void RequireServer(TunnelSessionOptions options)
    {
        if (!options.IsServer)
        {
            throw new ArgumentException("A server session needs options with IsServer = true.", nameof(options));
        }
    }

    /// <summary>True for the TLS server role.</summary>
    public bool IsServer => _options.IsServer;

    /// <summary>Our 8-byte session id (a server created from a cookie uses the cookie).</summary>
    public SessionId LocalSessionId { get; }

    /// <summary>The peer's session id; <see cref="SessionId.Zero"/> until its first packet.</summary>
    public SessionId RemoteSessionId { get; private set; }

    /// <summary>True after the first data keys were installed (Connected event).</summary>
    public bool IsConnected => _connected && !_closed;

    /// <summary>True once the session ended (a Closed event was queued). Outgoing packets may still be drained.</summary>
    public bool IsClosed => _closed;

    /// <summary>key_id of the newest key state.</summary>
    public int CurrentKeyId => _primary.KeyId;

    /// <summary>The negotiated data cipher (e.g. "AES-256-GCM"); null before NCP finished.</summary>
    public string? DataCipher => _suite?.CipherName;

    /// <summary>
    /// Key to encrypt outgoing data packets with (newest usable key; after a renegotiation the previous key is kept
    /// for a short while as OpenVPN's tls_select_encryption_key does). Null until connected. Thread-safe.
    /// </summary>
    public DataChannelKey? CurrentEncryptKey => _encryptKey;

    /// <summary>
    /// peer-id for outgoing P_DATA_V2 headers, or -1 for P_DATA_V1 (pass to <see cref="DataChannelKey.Encrypt"/>).
    /// Client: the pushed peer-id. Server: the assigned peer-id if the client announced DATA_V2. Thread-safe.
    /// </summary>
    public int DataPeerId => _dataPeerId;

    /// <summary>The key for an incoming data packet's key_id (current or lame duck), or null: drop it. Thread-safe.</summary>
    public DataChannelKey? FindDecryptKey(int keyId) => (uint)keyId < 8 ? _decryptKeys[keyId] : null;

    /// <summary>Peer certificate of the first TLS session (server: the client's; client: the server's).</summary>
    public X509Certificate2? PeerCertificate { get; private set; }

    /// <summary>Common name of <see cref="PeerCertificate"/>.</summary>
    public string? PeerCommonName => PeerCertificate is null ? null : PeerCertificateName(PeerCertificate);

    /// <summary>Server: the client's peer-info (IV_*). Client: empty.</summary>
    public PeerInfo PeerInfo { get; private set; } = PeerInfo.Empty;

    /// <summary>
    /// Client: the session token the server pushed (<c>auth-token</c>, renewed by later "PUSH_REPLY,auth-token" messages),
    /// sent as the password at renegotiations; the runtime carries it to the next connection. Null = none.
    /// </summary>
    public string? AuthToken { get; private set; }

    /// <summary>Client: the username pushed with the token (<c>auth-token-user</c>), or null.</summary>
    public string? AuthTokenUser { get; private set; }

    /// <summary>Client: whether our logins on this connection send a token (a refusal then means: log in again with the password).</summary>
    public bool SendsAuthToken => !IsServer && AuthToken is not null && _options.Password is not null;

    /// <summary>Server: username the client sent (auth-user-pass), or null.</summary>
    public string? PeerUsername { get; private set; }

    /// <summary>Server: password the client sent, or null.</summary>
    public string? PeerPassword { get; private set; }

    /// <summary>Server: the username the client sent with its latest renegotiation (null before one, or without one).</summary>
    public string? RenegotiationUsername { get; private set; }

    /// <summary>Server: the password the client sent with its latest renegotiation.</summary>
    public string? RenegotiationPassword { get; private set; }

    /// <summary>The peer's OCC options string from key method 2.</summary>
    public string? PeerOptionsString { get; private set; }

    /// <summary>Client: the options of the applied PUSH_REPLY (push-continuation removed).</summary>
    public IReadOnlyList<string> PushedOptions { get; private set; } = [];

    /// <summary>
    /// True when exit notification goes over the control channel (EXIT message): the client announced IV_PROTO
    /// CC_EXIT_NOTIFY and the server pushed "protocol-flags cc-exit". Otherwise send OCC_EXIT data packets.
    /// </summary>
    public bool UsesControlChannelExit { get; private set; }

    /// <summary>Short TLS description of the newest key state, e.g. "TLSv1.3, cipher TLS_AES_256_GCM_SHA384".</summary>
    public string? TlsDescription => _primary.Tls?.ConnectionDescription;

    /// <summary>Total packets dropped by <see cref="ProcessControl"/>.</summary>
    public long DroppedPackets { get; private set; }

    /// <summary>Why the last packet was dropped.</summary>
    public DropReason LastDropReason { get; private set; }

    /// <summary>Dropped packets for one reason.</summary>
    public long GetDropCount(DropReason reason) => _dropCounts[(int)reason];

    /// <summary>Number of completed renegotiations (key changes after the first key).</summary>
    public int KeyChanges { get; private set; }

    /// <summary>Takes the next control datagram to send; false when none is waiting.</summary>
    public bool TryDequeueOutgoing(Span<byte> destination, out int length)
    {
        if (_outgoing.Count == 0)
        {
            length = 0;
            return false;
        }
        byte[] next = _outgoing.Peek();
        if (next.Length > destination.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the next control packet has {next.Length}.", nameof(destination));
        }
        _outgoing.Dequeue();
        next.CopyTo(destination);
        length = next.Length;
        return true;
    }

    /// <summary>Control datagrams waiting in <see cref="TryDequeueOutgoing"/>.</summary>
    public int OutgoingCount => _outgoing.Count;

    /// <summary>Takes the next event; false when none is waiting.</summary>
    public bool TryDequeueEvent(out SessionEvent sessionEvent) => _events.TryDequeue(out sessionEvent!);

    /// <summary>The runtime sent an authenticated data packet (resets the ping timer). Call from the control loop.</summary>
    public void NotifyDataSent(long nowMs) => _lastDataSentMs = Math.Max(_lastDataSentMs, nowMs);

    /// <summary>A data packet decrypted and authenticated (resets ping-restart). Call from the control loop.</summary>
    public void NotifyDataReceived(long nowMs) => _lastReceivedMs = Math.Max(_lastReceivedMs, nowMs);

    /// <summary>
    /// Replaces the keepalive timers (<c>ping</c>, <c>ping-restart</c>; 0 = off), e.g. a client's once the runtime has
    /// read the server's push. Only the periods change: the last sent / received stamps keep counting.
    /// </summary>
    public void SetKeepalive(long pingIntervalMs, long pingRestartMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pingIntervalMs);
        ArgumentOutOfRangeException.ThrowIfNegative(pingRestartMs);
        _pingIntervalMs = pingIntervalMs;
        _pingRestartMs = pingRestartMs;
    }

    public void Dispose()
    {
        _primary.Tls?.Dispose();
        _lameDuck?.Tls?.Dispose();
        _primary.DataKey?.Dispose();
        _lameDuck?.DataKey?.Dispose();
        foreach (DataChannelKey key in _retiredKeys)
        {
            key.Dispose();
        }
        _retiredKeys.Clear();
        (_wrap as IDisposable)?.Dispose();
        PeerCertificate?.Dispose();
    }

    private static string? PeerCertificateName(X509Certificate2 certificate)
    {
        string? cn = null;
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3")
            {
                cn = rdn.GetSingleElementValue();
            }
        }
        return cn;
    }

    private TunnelOutcome Drop(DropReason reason)
    {
        DroppedPackets++;
        _dropCounts[(int)reason]++;
        LastDropReason = reason;
        return TunnelOutcome.Dropped;
    }

    private void Raise(SessionEventKind kind, string? message = null, OpenVpnError error = OpenVpnError.None,
        IReadOnlyList<string>? pushed = null, int keyId = 0) =>
        _events.Enqueue(new SessionEvent(kind, message, error, pushed, keyId));

    /// <summary>Ends the session once: a Closed event with the error; pending outgoing packets stay drainable.</summary>
    private void Close(OpenVpnError error, string message)
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        Raise(SessionEventKind.Closed, message, error);
    }
}
