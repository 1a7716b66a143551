namespace SharpVpn.Protocol;

/// <summary>Why a received packet was dropped. Bad input is an outcome, never an exception (style.md §5).</summary>
public enum DropReason : byte
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>Shorter than the fixed fields of its layout.</summary>
    TooShort,

    /// <summary>Longer than <see cref="ProtocolConstants.MaxControlPacketBytes"/> or than the output buffer.</summary>
    TooLong,

    /// <summary>Opcode unknown, or not legal here (e.g. data opcode on the control path).</summary>
    BadOpcode,

    /// <summary>More than <see cref="ProtocolConstants.MaxAcksPerPacket"/> acks announced.</summary>
    TooManyAcks,

    /// <summary>A session id of all zeros (undefined).</summary>
    ZeroSessionId,

    /// <summary>tls-auth HMAC or tls-crypt tag did not verify.</summary>
    AuthenticationFailed,

    /// <summary>tls-auth/tls-crypt replay packet-id was 0, already seen, too old, or its time went back.</summary>
    Replay,

    /// <summary>tls-crypt-v2 wrapped client key missing, malformed, or its tag did not verify.</summary>
    BadWrappedKey,

    /// <summary>The remote session id in the ack block is not ours (reliable.c "ACK read BAD SESSION-ID").</summary>
    SessionIdMismatch,

    /// <summary>The packet names a session we do not have.</summary>
    UnknownSession,

    /// <summary>The stateless session-id cookie did not verify.</summary>
    BadCookie,

    /// <summary>A reliable message id beyond the receive window (not acked).</summary>
    OutOfWindow,

    /// <summary>A reliable message id already received (acked again, not delivered again).</summary>
    Duplicate,

    /// <summary>A packet of the wrong direction (client reset at a client, server reset at a server).</summary>
    WrongRole,

    /// <summary>The key_id does not match any key state.</summary>
    UnknownKeyId,

    /// <summary>A hard reset whose message packet-id is not 0, or with an unexpected payload.</summary>
    MalformedReset,

    /// <summary>Any other structural problem.</summary>
    Malformed,
}

/// <summary>Facts about <see cref="DropReason"/> that code needs without reflection.</summary>
public static class DropReasons
{
    /// <summary>
    /// How many reasons there are (values 0..Count-1; a test holds it to the enum). A constant rather than
    /// Enum.GetValues, which under Native AOT reads reflection metadata the first time (~0.5 ms) and every session
    /// (the server's first client, the client before its first reset) would wait for that (issue 7, handshake time).
    /// </summary>
    public const int Count = (int)DropReason.Malformed + 1;
}
