using System.Buffers.Binary;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// tls-crypt: AES-256-CTR + HMAC-SHA256 over every control packet (openvpn-protocol.md §5.1; tls_crypt.c).
/// <code>
/// offset 0  op|kid(1) | 1 own sid(8) | 9 replay pid(4) | 13 time(4) | 17 tag(32) | 49 AES-256-CTR(ack block || [msg id] || payload)
/// </code>
/// Directions are fixed by role: the server sends with Ke = bytes 0..31, Ka = 64..95 and receives with
/// 128..159 / 192..223; the client the other way round (tls_crypt.c tls_crypt_init_key).
/// Also the per-client wrap of tls-crypt-v2 (same format, key Kc). Not thread-safe; one instance per session.
/// </summary>
public sealed class TlsCrypt : IControlChannelWrap, IDisposable
{
    private const int PrefixBytes = 1 + ProtocolConstants.SessionIdBytes;
    private const int HeaderBytes = PrefixBytes + 8;
    private const int TotalHeaderBytes = HeaderBytes + TlsCryptCipher.TagBytes;

    private readonly TlsCryptCipher _send;
    private readonly TlsCryptCipher _receive;
    private readonly ReplaySendCounter _sendCounter = new();
    private readonly ReplayWindow _replay = new();

    /// <summary>Creates tls-crypt for one side. <paramref name="isServer"/> is the TLS role (server = direction 0).</summary>
    public TlsCrypt(StaticKey key, bool isServer)
    {
        ArgumentNullException.ThrowIfNull(key);
        // Slices: 0 = keys[0].cipher, 1 = keys[0].hmac, 2 = keys[1].cipher, 3 = keys[1].hmac.
        (int sendCipher, int sendHmac, int receiveCipher, int receiveHmac) = isServer ? (0, 1, 2, 3) : (2, 3, 0, 1);
        _send = new TlsCryptCipher(key.Slice(sendCipher), key.Slice(sendHmac));
        _receive = new TlsCryptCipher(key.Slice(receiveCipher), key.Slice(receiveHmac));
    }

    /// <summary>Bytes tls-crypt adds: 8 replay + 32 tag.</summary>
    public const int WrapOverhead = 8 + TlsCryptCipher.TagBytes;

    /// <inheritdoc />
    public int Overhead => WrapOverhead;

    /// <inheritdoc />
    public uint LastReceivedReplayId { get; private set; }

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        Unwrap(packet, plainOut, checkReplay: true, ReplayWindow.NoClock, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, long nowMs, out int plainLength, out DropReason reason) =>
        Unwrap(packet, plainOut, checkReplay: true, nowMs, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrapStateless(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        Unwrap(packet, plainOut, checkReplay: false, ReplayWindow.NoClock, out plainLength, out reason);

    private bool Unwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, bool checkReplay, long nowMs, out int plainLength, out DropReason reason)
    {
        plainLength = 0;
        if (packet.Length < TotalHeaderBytes)
        {
            reason = DropReason.TooShort;
            return false;
        }
        int length = packet.Length - WrapOverhead;
        if (packet.Length > ProtocolConstants.MaxControlPacketBytes || length > plainOut.Length)
        {
            reason = DropReason.TooLong;
            return false;
        }
        if (!_receive.TryOpen(packet[..HeaderBytes], packet.Slice(HeaderBytes, TlsCryptCipher.TagBytes),
                packet[TotalHeaderBytes..], plainOut[PrefixBytes..length]))
        {
            reason = DropReason.AuthenticationFailed;
            return false;
        }
        uint id = BinaryPrimitives.ReadUInt32BigEndian(packet[PrefixBytes..]);
        uint time = BinaryPrimitives.ReadUInt32BigEndian(packet[(PrefixBytes + 4)..]);
        if (id == 0 || (checkReplay && !_replay.Check(id, time, nowMs)))
        {
            plainOut[..length].Clear();
            reason = DropReason.Replay;
            return false;
        }
        if (checkReplay)
        {
            _replay.Add(id, time, nowMs);
        }
        LastReceivedReplayId = id;
        packet[..PrefixBytes].CopyTo(plainOut);
        plainLength = length;
        reason = DropReason.None;
        return true;
    }

    /// <inheritdoc />
    public int Wrap(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint netTime)
    {
        CheckSizes(plainPacket, destination);
        (uint id, uint time) = _sendCounter.Next(netTime);
        return WrapCore(plainPacket, destination, id, time);
    }

    /// <inheritdoc />
    public int WrapWithReplayId(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint replayPacketId, uint netTime)
    {
        CheckSizes(plainPacket, destination);
        return WrapCore(plainPacket, destination, replayPacketId, netTime);
    }

    /// <inheritdoc />
    public void SetSendCounter(uint lastPacketId, uint netTime) => _sendCounter.Set(lastPacketId, netTime);

    /// <summary>Sets only the last replay id; the time is latched at the next <see cref="Wrap"/>.</summary>
    internal void SetSendCounterId(uint lastPacketId) => _sendCounter.SetLastId(lastPacketId);

    private static void CheckSizes(ReadOnlySpan<byte> plainPacket, Span<byte> destination)
    {
        if (plainPacket.Length < PrefixBytes)
        {
            throw new ArgumentException("A control packet has at least 9 bytes (opcode and session id).", nameof(plainPacket));
        }
        if (destination.Length < plainPacket.Length + WrapOverhead)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the wrapped packet needs {plainPacket.Length + WrapOverhead}.", nameof(destination));
        }
    }

    private int WrapCore(ReadOnlySpan<byte> plain, Span<byte> destination, uint id, uint time)
    {
        plain[..PrefixBytes].CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(destination[PrefixBytes..], id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[(PrefixBytes + 4)..], time);
        int bodyLength = plain.Length - PrefixBytes;
        _send.Seal(destination[..HeaderBytes], plain[PrefixBytes..],
            destination.Slice(HeaderBytes, TlsCryptCipher.TagBytes), destination.Slice(TotalHeaderBytes, bodyLength));
        return TotalHeaderBytes + bodyLength;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _send.Dispose();
        _receive.Dispose();
    }
}
