using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Reliability;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Session;

/// <summary>Where one key state (one key_id) is in its exchange (OpenVPN's S_* states, ssl.c tls_process_state).</summary>
internal enum KeyStage
{
    /// <summary>Resets exchanged or in flight; TLS and key method 2 running.</summary>
    Handshaking,

    /// <summary>Server, key_id 0: key method 2 done, waiting for the runtime's AcceptPeer/RejectPeer.</summary>
    AwaitingApproval,

    /// <summary>Client, key_id 0: key method 2 done, PUSH_REQUEST sent, waiting for the PUSH_REPLY.</summary>
    AwaitingPush,

    /// <summary>Data keys installed.</summary>
    Active,
}

/// <summary>
/// One key_id's control state: its own reliability windows (message ids restart at 0 for every key state),
/// its own TLS session, the key-method-2 records and, once derived, its data-channel key.
/// </summary>
internal sealed class KeyState
{
    public KeyState(byte keyId, long nowMs, long tlsTimeoutMs, uint firstSendId = 0, uint firstReceiveId = 0)
    {
        KeyId = keyId;
        StartedMs = nowMs;
        Send = new ReliableSendWindow(tlsTimeoutMs, firstPacketId: firstSendId);
        Receive = new ReliableReceiveWindow(firstReceiveId);
    }

    public byte KeyId { get; }

    public long StartedMs { get; }

    public ReliableSendWindow Send { get; }

    public ReliableReceiveWindow Receive { get; }

    public KeyStage Stage { get; set; } = KeyStage.Handshaking;

    public ITlsEngine? Tls { get; set; }

    /// <summary>The peer's hard or soft reset for this key_id arrived (in order).</summary>
    public bool PeerResetReceived { get; set; }

    /// <summary>Server, renegotiated key: the peer's certificate was compared with the session's locked one.</summary>
    public bool PeerCertificateChecked { get; set; }

    /// <summary>Plaintext received before the peer's key-method-2 record was complete.</summary>
    public List<byte> PendingPlaintext { get; } = new();

    public KeyMethod2Record? Local { get; set; }

    public KeyMethod2Record? Remote { get; set; }

    public ControlMessageReader Messages { get; } = new();

    /// <summary>Set once keys are derived; read by data-path threads through the session's published slots.</summary>
    public DataChannelKey? DataKey { get; set; }

    public long ActiveSinceMs { get; set; } = long.MaxValue;

    /// <summary>Lame duck: when its data key stops being accepted.</summary>
    public long ExpiresMs { get; set; } = long.MaxValue;

    /// <summary>tls-crypt-v2 early negotiation: the next new reliable packet must be a P_CONTROL_WKC_V1.</summary>
    public bool WkcPending { get; set; }
}
