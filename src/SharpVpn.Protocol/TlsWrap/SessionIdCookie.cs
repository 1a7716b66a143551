using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// The OpenVPN 2.6 stateless server session id ("HMAC cookie", openvpn-protocol.md §6.1; ssl_pkt.c
/// calculate_session_id_hmac, check_session_hmac_and_pkt_id): the server's session id is
/// <c>HMAC-SHA256(secret, slot || client address bytes || client sid)[0..7]</c> with
/// <c>slot = now_s / ((hand-window + 1) / 2)</c>, so no state is kept until the client's third packet proves it
/// received the reset. Verification accepts the current slot and the two before it (OpenVPN tries offsets -2..0).
/// Thread-safe (one-shot HMAC, no shared mutable state).
/// </summary>
public sealed class SessionIdCookie
{
    private const int MaxAddressBytes = 64;

    private readonly byte[] _secret;
    private readonly long _slotSeconds;

    /// <summary>
    /// <paramref name="secret"/>: a random per-process key (32 bytes recommended). <paramref name="handWindowSeconds"/>:
    /// --hand-window (default 60 → 30 s slots).
    /// </summary>
    public SessionIdCookie(ReadOnlySpan<byte> secret, int handWindowSeconds = 60)
    {
        if (secret.Length < 16)
        {
            throw new ArgumentException("The cookie secret needs at least 16 bytes.", nameof(secret));
        }
        if (handWindowSeconds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(handWindowSeconds), handWindowSeconds, "hand-window is at least 1 second.");
        }
        _secret = secret.ToArray();
        _slotSeconds = Math.Max(1, (handWindowSeconds + 1) / 2);
    }

    /// <summary>A cookie generator with a fresh random 32-byte secret.</summary>
    public static SessionIdCookie CreateRandom(int handWindowSeconds = 60) =>
        new(RandomNumberGenerator.GetBytes(32), handWindowSeconds);

    /// <summary>
    /// The server session id for a client. <paramref name="clientAddress"/> is any stable encoding of the client's
    /// transport address including port (at most 64 bytes, e.g. IP bytes || u16 port); <paramref name="nowMs"/>
    /// is a monotonic millisecond clock (only this process compares cookies).
    /// </summary>
    public SessionId Compute(ReadOnlySpan<byte> clientAddress, SessionId clientSessionId, long nowMs) =>
        ComputeForSlot(clientAddress, clientSessionId, CurrentSlot(nowMs));

    /// <summary>
    /// True when <paramref name="candidate"/> equals the cookie of the current slot or one of the two before it.
    /// Compared in constant time. A zero candidate never verifies.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> clientAddress, SessionId clientSessionId, SessionId candidate, long nowMs)
    {
        if (candidate.IsZero || clientSessionId.IsZero)
        {
            return false;
        }
        long slot = CurrentSlot(nowMs);
        Span<byte> expected = stackalloc byte[ProtocolConstants.SessionIdBytes];
        Span<byte> got = stackalloc byte[ProtocolConstants.SessionIdBytes];
        candidate.WriteTo(got);
        bool match = false;
        for (long offset = -2; offset <= 0; offset++)
        {
            ComputeForSlot(clientAddress, clientSessionId, slot + offset).WriteTo(expected);
            // Accumulate without early exit; a match in any slot accepts.
            match |= CryptographicOperations.FixedTimeEquals(expected, got);
        }
        return match;
    }

    /// <summary>
    /// The whole 2.6.15+ check of a client's third handshake packet from an unknown address
    /// (ssl_pkt.c check_session_hmac_and_pkt_id): it must carry acks, all acked ids &lt;= 1, a message id &lt;= 1
    /// (unless P_ACK_V1), key_id 0, and its remote session id must be our cookie for this client and address.
    /// </summary>
    public bool VerifyHandshakePacket(scoped in ControlPacket packet, ReadOnlySpan<byte> clientAddress, long nowMs, out DropReason reason)
    {
        if (packet.KeyId != 0 || packet.Opcode is not (Opcode.AckV1 or Opcode.ControlV1 or Opcode.ControlWkcV1))
        {
            reason = DropReason.BadOpcode;
            return false;
        }
        if (packet.AckCount == 0)
        {
            reason = DropReason.BadCookie;
            return false;
        }
        for (int i = 0; i < packet.AckCount; i++)
        {
            if (packet.GetAck(i) > 1)
            {
                reason = DropReason.BadCookie;
                return false;
            }
        }
        if (packet.HasMessagePacketId && packet.MessagePacketId > 1)
        {
            reason = DropReason.BadCookie;
            return false;
        }
        if (!Verify(clientAddress, packet.SessionId, packet.RemoteSessionId, nowMs))
        {
            reason = DropReason.BadCookie;
            return false;
        }
        reason = DropReason.None;
        return true;
    }

    private long CurrentSlot(long nowMs) => (nowMs / 1000) / _slotSeconds;

    private SessionId ComputeForSlot(ReadOnlySpan<byte> clientAddress, SessionId clientSessionId, long slot)
    {
        if (clientAddress.Length > MaxAddressBytes)
        {
            throw new ArgumentException($"The client address encoding is at most {MaxAddressBytes} bytes.", nameof(clientAddress));
        }
        Span<byte> input = stackalloc byte[8 + MaxAddressBytes + ProtocolConstants.SessionIdBytes];
        BinaryPrimitives.WriteInt64BigEndian(input, slot);
        clientAddress.CopyTo(input[8..]);
        int n = 8 + clientAddress.Length;
        clientSessionId.WriteTo(input[n..]);
        n += ProtocolConstants.SessionIdBytes;
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_secret, input[..n], mac);
        ulong value = BinaryPrimitives.ReadUInt64BigEndian(mac);
        // Zero means "undefined session id"; never hand it out (probability 2^-64, but cheap to exclude).
        return new SessionId(value == 0 ? 1 : value);
    }
}
