using System.Buffers.Binary;

namespace SharpVpn.Protocol.Wire;

/// <summary>
/// A control packet in the plain (unwrapped) layout, parsed without copying: spans point into the source buffer.
/// <code>
/// offset  size   field                               (openvpn-protocol.md §3.1; ssl_pkt.c write_control_auth,
/// 0       1      opcode | key_id                      reliable.c reliable_ack_write / reliable_ack_parse)
/// 1       8      own session id (the sender's)
/// 9       1      ack count N (0..8)
/// 10      4*N    acked message packet-ids, u32 each
/// ..      8      remote session id (ONLY if N &gt; 0)
/// ..      4      message packet-id, u32 (ABSENT in P_ACK_V1)
/// ..      rest   payload (TLS ciphertext; empty for resets except the early-negotiation TLV)
/// </code>
/// tls-auth/tls-crypt wrappers (<see cref="TlsWrap.IControlChannelWrap"/>) turn wire packets into this layout
/// first; for tls-crypt-v2 the trailing wrapped client key is removed by the wrapper, so the payload of a
/// P_CONTROL_HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1 here is only the TLS (or empty) part.
/// </summary>
public readonly ref struct ControlPacket
{
    /// <summary>Size of byte0 + own session id + ack count: the shortest possible control packet prefix.</summary>
    public const int MinimumBytes = 1 + ProtocolConstants.SessionIdBytes + 1;

    private readonly ReadOnlySpan<byte> _ackIds;

    private ControlPacket(Opcode opcode, int keyId, SessionId sessionId, ReadOnlySpan<byte> ackIds,
        SessionId remoteSessionId, bool hasMessagePacketId, uint messagePacketId, ReadOnlySpan<byte> payload)
    {
        Opcode = opcode;
        KeyId = keyId;
        SessionId = sessionId;
        _ackIds = ackIds;
        RemoteSessionId = remoteSessionId;
        HasMessagePacketId = hasMessagePacketId;
        MessagePacketId = messagePacketId;
        Payload = payload;
    }

    /// <summary>The opcode (a control opcode).</summary>
    public Opcode Opcode { get; }

    /// <summary>The key_id, 0..7.</summary>
    public int KeyId { get; }

    /// <summary>The sender's own session id.</summary>
    public SessionId SessionId { get; }

    /// <summary>Number of acked message packet-ids (0..8).</summary>
    public int AckCount => _ackIds.Length / 4;

    /// <summary>The acked message packet-id at <paramref name="index"/> (0 &lt;= index &lt; <see cref="AckCount"/>).</summary>
    public uint GetAck(int index) => BinaryPrimitives.ReadUInt32BigEndian(_ackIds.Slice(index * 4, 4));

    /// <summary>Copies the acked ids into <paramref name="destination"/> (length &gt;= AckCount); returns AckCount.</summary>
    public int CopyAcksTo(Span<uint> destination)
    {
        int n = AckCount;
        for (int i = 0; i < n; i++)
        {
            destination[i] = GetAck(i);
        }
        return n;
    }

    /// <summary>The receiver's session id as echoed by the sender; <see cref="SessionId.Zero"/> when <see cref="AckCount"/> is 0.</summary>
    public SessionId RemoteSessionId { get; }

    /// <summary>False only for P_ACK_V1.</summary>
    public bool HasMessagePacketId { get; }

    /// <summary>The reliability sequence number (0 when <see cref="HasMessagePacketId"/> is false).</summary>
    public uint MessagePacketId { get; }

    /// <summary>Everything after the message packet-id (empty for P_ACK_V1).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>
    /// Parses a plain control packet. Checks: length, known control opcode, ack count &lt;= 8, non-zero own session id,
    /// P_ACK_V1 has at least one ack and no payload. Does not check the remote session id against ours (the session does).
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out ControlPacket result, out DropReason reason)
    {
        result = default;
        if (packet.Length < MinimumBytes)
        {
            reason = DropReason.TooShort;
            return false;
        }
        Opcode opcode = PacketHeader.GetOpcode(packet[0]);
        if (!PacketHeader.IsControl(opcode))
        {
            reason = DropReason.BadOpcode;
            return false;
        }
        var sid = SessionId.Read(packet.Slice(1, 8));
        if (sid.IsZero)
        {
            reason = DropReason.ZeroSessionId;
            return false;
        }
        int n = packet[9];
        if (n > ProtocolConstants.MaxAcksPerPacket)
        {
            reason = DropReason.TooManyAcks;
            return false;
        }
        int pos = MinimumBytes;
        ReadOnlySpan<byte> acks = default;
        SessionId remote = default;
        if (n > 0)
        {
            int need = (4 * n) + ProtocolConstants.SessionIdBytes;
            if (packet.Length - pos < need)
            {
                reason = DropReason.TooShort;
                return false;
            }
            acks = packet.Slice(pos, 4 * n);
            pos += 4 * n;
            remote = SessionId.Read(packet.Slice(pos, 8));
            pos += 8;
        }
        bool hasId = opcode != Opcode.AckV1;
        uint messageId = 0;
        if (hasId)
        {
            if (packet.Length - pos < 4)
            {
                reason = DropReason.TooShort;
                return false;
            }
            messageId = BinaryPrimitives.ReadUInt32BigEndian(packet.Slice(pos, 4));
            pos += 4;
        }
        else if (n == 0 || pos != packet.Length)
        {
            // A P_ACK_V1 is only an ack block; anything else is not something OpenVPN sends.
            reason = DropReason.Malformed;
            return false;
        }
        result = new ControlPacket(opcode, PacketHeader.GetKeyId(packet[0]), sid, acks, remote, hasId, messageId, packet[pos..]);
        reason = DropReason.None;
        return true;
    }

    /// <summary>Bytes <see cref="Write"/> produces for these sizes.</summary>
    public static int GetSize(Opcode opcode, int ackCount, int payloadLength) =>
        MinimumBytes + (ackCount > 0 ? (4 * ackCount) + ProtocolConstants.SessionIdBytes : 0)
        + (opcode == Opcode.AckV1 ? 0 : 4) + payloadLength;

    /// <summary>
    /// Serializes a plain control packet into <paramref name="destination"/> and returns the bytes written.
    /// <paramref name="remoteSessionId"/> is written only when <paramref name="acks"/> is non-empty;
    /// <paramref name="messagePacketId"/> and <paramref name="payload"/> are ignored/forbidden for P_ACK_V1.
    /// Throws <see cref="ArgumentException"/> on caller errors (too many acks, buffer too small, payload on an ack).
    /// </summary>
    public static int Write(Span<byte> destination, Opcode opcode, int keyId, SessionId sessionId,
        ReadOnlySpan<uint> acks, SessionId remoteSessionId, uint messagePacketId, ReadOnlySpan<byte> payload)
    {
        if (acks.Length > ProtocolConstants.MaxAcksPerPacket)
        {
            throw new ArgumentException($"At most {ProtocolConstants.MaxAcksPerPacket} acks fit in a packet.", nameof(acks));
        }
        if (opcode == Opcode.AckV1 && (acks.Length == 0 || !payload.IsEmpty))
        {
            throw new ArgumentException("A P_ACK_V1 carries at least one ack and no payload.", nameof(acks));
        }
        if (acks.Length > 0 && remoteSessionId.IsZero)
        {
            throw new ArgumentException("Acks need the peer's session id.", nameof(remoteSessionId));
        }
        int size = GetSize(opcode, acks.Length, payload.Length);
        if (destination.Length < size)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the packet needs {size}.", nameof(destination));
        }
        destination[0] = PacketHeader.Make(opcode, keyId);
        sessionId.WriteTo(destination[1..]);
        destination[9] = (byte)acks.Length;
        int pos = MinimumBytes;
        if (acks.Length > 0)
        {
            foreach (uint id in acks)
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination[pos..], id);
                pos += 4;
            }
            remoteSessionId.WriteTo(destination[pos..]);
            pos += 8;
        }
        if (opcode != Opcode.AckV1)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[pos..], messagePacketId);
            pos += 4;
        }
        payload.CopyTo(destination[pos..]);
        return pos + payload.Length;
    }
}
