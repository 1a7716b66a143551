using System.Buffers.Binary;
using System.Security.Cryptography;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// tls-auth: an HMAC over every control packet with replay protection (openvpn-protocol.md §4).
/// <code>
/// wire:  op|kid(1) || own sid(8) || HMAC(H) || replay pid(4) || time(4) || ack block || [msg id] || payload
/// HMAC-&lt;auth&gt;(key, pid || time || op|kid || own sid || ack block || [msg id] || payload)
/// </code>
/// (ssl_pkt.c swap_hmac, tls_wrap_control, read_control_auth.) The HMAC key is the first H bytes of the
/// 64-byte HMAC slice picked by the key direction (crypto.c key_direction_state_init).
/// Not thread-safe; one instance per session.
/// </summary>
public sealed class TlsAuth : IControlChannelWrap, IDisposable
{
    private const int PrefixBytes = 1 + ProtocolConstants.SessionIdBytes;

    private readonly IncrementalHash _sendHmac;
    private readonly IncrementalHash _receiveHmac;
    private readonly ReplaySendCounter _sendCounter = new();
    private readonly ReplayWindow _replay = new();

    /// <summary>Creates tls-auth with <paramref name="key"/>, the configured direction and the <c>--auth</c> digest.</summary>
    public TlsAuth(StaticKey key, KeyDirection direction, HashAlgorithmName digest)
    {
        ArgumentNullException.ThrowIfNull(key);
        HmacBytes = DigestBytes(digest);
        // Slices: 1 = keys[0].hmac (bytes 64..127), 3 = keys[1].hmac (bytes 192..255).
        int sendSlice = direction == KeyDirection.Inverse ? 3 : 1;
        int receiveSlice = direction switch
        {
            KeyDirection.Normal => 3,
            KeyDirection.Inverse => 1,
            _ => 1,
        };
        _sendHmac = IncrementalHash.CreateHMAC(digest, key.Slice(sendSlice)[..HmacBytes]);
        _receiveHmac = IncrementalHash.CreateHMAC(digest, key.Slice(receiveSlice)[..HmacBytes]);
        Digest = digest;
    }

    /// <summary>The <c>--auth</c> digest in use.</summary>
    public HashAlgorithmName Digest { get; }

    /// <summary>HMAC output (and key) size in bytes: 16 MD5, 20 SHA1, 32 SHA256, 48 SHA384, 64 SHA512.</summary>
    public int HmacBytes { get; }

    /// <inheritdoc />
    public int Overhead => HmacBytes + 8;

    /// <inheritdoc />
    public uint LastReceivedReplayId { get; private set; }

    /// <summary>
    /// Maps an OpenVPN <c>--auth</c> name (case-insensitive: MD5, SHA1, SHA256, SHA384, SHA512, also with a dash
    /// such as SHA-256) to the digest; false for names we do not support (e.g. SHA224, RIPEMD160, none).
    /// </summary>
    public static bool TryParseDigest(string name, out HashAlgorithmName digest)
    {
        switch (name.Replace("-", "", StringComparison.Ordinal).ToUpperInvariant())
        {
            case "MD5": digest = HashAlgorithmName.MD5; return true;
            case "SHA1": digest = HashAlgorithmName.SHA1; return true;
            case "SHA256": digest = HashAlgorithmName.SHA256; return true;
            case "SHA384": digest = HashAlgorithmName.SHA384; return true;
            case "SHA512": digest = HashAlgorithmName.SHA512; return true;
            default: digest = default; return false;
        }
    }

    private static int DigestBytes(HashAlgorithmName digest)
    {
        if (digest == HashAlgorithmName.MD5) { return 16; }
        if (digest == HashAlgorithmName.SHA1) { return 20; }
        if (digest == HashAlgorithmName.SHA256) { return 32; }
        if (digest == HashAlgorithmName.SHA384) { return 48; }
        if (digest == HashAlgorithmName.SHA512) { return 64; }
        throw new ArgumentException($"tls-auth does not support the digest '{digest.Name}'.", nameof(digest));
    }

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
        int h = HmacBytes;
        int headerEnd = PrefixBytes + h + 8;
        if (packet.Length < headerEnd)
        {
            reason = DropReason.TooShort;
            return false;
        }
        if (packet.Length > ProtocolConstants.MaxControlPacketBytes || packet.Length - h - 8 > plainOut.Length)
        {
            reason = DropReason.TooLong;
            return false;
        }
        ReadOnlySpan<byte> replay = packet.Slice(PrefixBytes + h, 8);
        Span<byte> expected = stackalloc byte[64];
        _receiveHmac.AppendData(replay);
        _receiveHmac.AppendData(packet[..PrefixBytes]);
        _receiveHmac.AppendData(packet[headerEnd..]);
        _receiveHmac.GetHashAndReset(expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..h], packet.Slice(PrefixBytes, h)))
        {
            reason = DropReason.AuthenticationFailed;
            return false;
        }
        uint id = BinaryPrimitives.ReadUInt32BigEndian(replay);
        uint time = BinaryPrimitives.ReadUInt32BigEndian(replay[4..]);
        if (id == 0 || (checkReplay && !_replay.Check(id, time, nowMs)))
        {
            reason = DropReason.Replay;
            return false;
        }
        if (checkReplay)
        {
            _replay.Add(id, time, nowMs);
        }
        LastReceivedReplayId = id;
        packet[..PrefixBytes].CopyTo(plainOut);
        packet[headerEnd..].CopyTo(plainOut[PrefixBytes..]);
        plainLength = packet.Length - h - 8;
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

    private void CheckSizes(ReadOnlySpan<byte> plainPacket, Span<byte> destination)
    {
        if (plainPacket.Length < PrefixBytes)
        {
            throw new ArgumentException("A control packet has at least 9 bytes (opcode and session id).", nameof(plainPacket));
        }
        if (destination.Length < plainPacket.Length + Overhead)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the wrapped packet needs {plainPacket.Length + Overhead}.", nameof(destination));
        }
    }

    private int WrapCore(ReadOnlySpan<byte> plain, Span<byte> destination, uint id, uint time)
    {
        int h = HmacBytes;
        int headerEnd = PrefixBytes + h + 8;
        Span<byte> replay = destination.Slice(PrefixBytes + h, 8);
        // Body first: if the caller wraps in place at a larger offset this order would matter; we require no overlap.
        plain[PrefixBytes..].CopyTo(destination[headerEnd..]);
        plain[..PrefixBytes].CopyTo(destination);
        BinaryPrimitives.WriteUInt32BigEndian(replay, id);
        BinaryPrimitives.WriteUInt32BigEndian(replay[4..], time);
        _sendHmac.AppendData(replay);
        _sendHmac.AppendData(destination[..PrefixBytes]);
        _sendHmac.AppendData(destination[headerEnd..(headerEnd + plain.Length - PrefixBytes)]);
        Span<byte> mac = stackalloc byte[64];
        _sendHmac.GetHashAndReset(mac);
        mac[..h].CopyTo(destination.Slice(PrefixBytes, h));
        return plain.Length + h + 8;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _sendHmac.Dispose();
        _receiveHmac.Dispose();
    }
}
