namespace SharpVpn.Protocol;

/// <summary>
/// Protocol numbers in one place (style.md §4): first the values fixed by OpenVPN, then our own choices.
/// Sources are OpenVPN 2.6 headers as named on each constant.
/// </summary>
public static class ProtocolConstants
{
    // ---- From the protocol ----

    /// <summary>byte0 = (opcode &lt;&lt; 3) | key_id (ssl_pkt.h P_OPCODE_SHIFT).</summary>
    public const int OpcodeShift = 3;

    /// <summary>key_id mask of byte0 (ssl_pkt.h P_KEY_ID_MASK).</summary>
    public const int KeyIdMask = 0x07;

    /// <summary>Session ids are 8 bytes (session_id.h SID_SIZE).</summary>
    public const int SessionIdBytes = 8;

    /// <summary>Most acks one packet may carry; more fails to parse (reliable.h RELIABLE_ACK_SIZE).</summary>
    public const int MaxAcksPerPacket = 8;

    /// <summary>Acks OpenVPN attaches to a P_CONTROL_* packet (ssl.h CONTROL_SEND_ACK_MAX).</summary>
    public const int MaxAcksOnControlPacket = 4;

    /// <summary>Send window in packets (ssl_pkt.h TLS_RELIABLE_N_SEND_BUFFERS).</summary>
    public const int ReliableSendWindowPackets = 6;

    /// <summary>Receive window in packets (ssl_pkt.h TLS_RELIABLE_N_REC_BUFFERS).</summary>
    public const int ReliableReceiveWindowPackets = 12;

    /// <summary>Acks for later packets after which a packet is resent early (reliable.h N_ACK_RETRANSMIT).</summary>
    public const int FastRetransmitAckCount = 3;

    /// <summary>Default --tls-timeout, the first retransmit timeout (options.c).</summary>
    public static readonly TimeSpan DefaultTlsTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Default --hand-window (options.c).</summary>
    public static readonly TimeSpan DefaultHandWindow = TimeSpan.FromSeconds(60);

    /// <summary>Default --replay-window size used for tls-auth/tls-crypt replay checks (packet_id.h DEFAULT_SEQ_BACKTRACK).</summary>
    public const int DefaultReplayWindowPackets = 64;

    /// <summary>Longest wrapped client key (tls_crypt.h TLS_CRYPT_V2_MAX_WKC_LEN).</summary>
    public const int TlsCryptV2MaxWrappedKeyBytes = 1024;

    /// <summary>Longest tls-crypt-v2 metadata: 1024 - (256 + 32 + 2) (tls_crypt.h TLS_CRYPT_V2_MAX_METADATA_LEN).</summary>
    public const int TlsCryptV2MaxMetadataBytes = 734;

    /// <summary>Replay packet-id base a 2.6 tls-crypt-v2 client starts at to announce early negotiation (ssl_pkt.h EARLY_NEG_START).</summary>
    public const uint EarlyNegotiationStart = 0x0f000000;

    /// <summary>Mask of the early-negotiation marker byte (ssl_pkt.h EARLY_NEG_MASK).</summary>
    public const uint EarlyNegotiationMask = 0xff000000;

    /// <summary>Control buffer payload size OpenVPN 2.6 accepts: max(1500, tls_mtu) + 100 (ssl.c).</summary>
    public const int MaxReceivedControlPacketBytes = 1600;

    // ---- Our choices ----

    /// <summary>We never send control packets above OpenVPN's default tls_mtu (mtu.h TLS_MTU_DEFAULT).</summary>
    public const int MaxSentControlPacketBytes = 1250;

    /// <summary>Largest datagram we try to unwrap at all; larger is dropped unparsed.</summary>
    public const int MaxControlPacketBytes = 4096;
}
