using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// One negotiated data-channel key slot (one key_id): encrypts outgoing and decrypts incoming
/// data packets in OpenVPN 2.6's wire format (openvpn-protocol.md §9).
/// <para>
/// Threading: one thread may call <see cref="Encrypt"/> while another calls
/// <see cref="Decrypt"/>; send and receive state live in separate objects. The outgoing
/// packet-id is an interlocked counter, but the cipher objects are not thread-safe, so only one
/// thread may encrypt at a time (and one decrypt). Counters may be read from any thread.
/// </para>
/// <para>No allocation per packet; the payload may sit exactly at
/// destination[<see cref="GetPayloadOffset"/>..] for in-place AEAD sealing/opening.</para>
/// </summary>
public sealed class DataChannelKey : IDisposable
{
    /// <summary>Sending starts a renegotiation from this packet-id on (PACKET_ID_WRAP_TRIGGER).</summary>
    public const uint RenegotiatePacketId = 0xFF000000;

    private readonly AeadSealer? _aeadSealer;
    private readonly AeadOpener? _aeadOpener;
    private readonly CbcSealer? _cbcSealer;
    private readonly CbcOpener? _cbcOpener;
    private readonly SendState _send = new();
    private readonly ReceiveState _receive;
    private int _disposed;

    private DataChannelKey(DataCipherSuite suite, ReadOnlySpan<byte> keyMaterial, bool isServer, byte keyId, int replayWindowPackets, int replayWindowSeconds, bool managedAead = false)
    {
        Suite = suite;
        IsServer = isServer;
        KeyId = keyId;
        _receive = new ReceiveState(new ReplayWindow(replayWindowPackets, replayWindowSeconds));

        ReadOnlySpan<byte> enc = KeyExpansion.GetEncryptHalf(keyMaterial, isServer);
        ReadOnlySpan<byte> dec = KeyExpansion.GetDecryptHalf(keyMaterial, isServer);
        ReadOnlySpan<byte> encCipher = KeyExpansion.CipherSlice(enc)[..suite.CipherKeyLength];
        ReadOnlySpan<byte> decCipher = KeyExpansion.CipherSlice(dec)[..suite.CipherKeyLength];
        if (suite.IsAead)
        {
            _aeadSealer = new AeadSealer(suite, encCipher, KeyExpansion.HmacSlice(enc), managedAead);
            _aeadOpener = new AeadOpener(suite, decCipher, KeyExpansion.HmacSlice(dec), managedAead);
        }
        else
        {
            _cbcSealer = new CbcSealer(suite, encCipher, KeyExpansion.HmacSlice(enc));
            _cbcOpener = new CbcOpener(suite, decCipher, KeyExpansion.HmacSlice(dec));
        }
    }

    /// <summary>
    /// Builds a key slot from the 256-byte key block (<see cref="KeyExpansion.DeriveKeyMaterial"/>).
    /// The client encrypts with bytes 0..127 and decrypts with 128..255; the server the other way.
    /// </summary>
    public static DataChannelKey Create(
        DataCipherSuite suite,
        ReadOnlySpan<byte> keyMaterial256,
        bool isServer,
        byte keyId,
        int replayWindowPackets = ReplayWindow.DefaultWindowPackets,
        int replayWindowSeconds = ReplayWindow.DefaultWindowSeconds)
    {
        ArgumentNullException.ThrowIfNull(suite);
        if (keyMaterial256.Length != KeyExpansion.KeyMaterialLength)
        {
            throw new ArgumentException($"Key material must be {KeyExpansion.KeyMaterialLength} bytes, got {keyMaterial256.Length}.", nameof(keyMaterial256));
        }

        if (keyId > DataPacketHeader.KeyIdMask)
        {
            throw new ArgumentOutOfRangeException(nameof(keyId), keyId, "key_id must be 0..7.");
        }

        return new DataChannelKey(suite, keyMaterial256, isServer, keyId, replayWindowPackets, replayWindowSeconds);
    }

    public DataCipherSuite Suite { get; }

    public bool IsServer { get; }

    public byte KeyId { get; }

    /// <summary>True once the send packet-id reached 0xFF000000: start a soft reset (§9.6).</summary>
    public bool ShouldRenegotiate => (ulong)Volatile.Read(ref _send.LastPacketId) >= RenegotiatePacketId;

    /// <summary>True when no packet-id is left (0xFFFFFFFF used); <see cref="Encrypt"/> then returns 0.</summary>
    public bool IsExhausted => (ulong)Volatile.Read(ref _send.LastPacketId) >= uint.MaxValue;

    /// <summary>Last packet-id handed out by <see cref="Encrypt"/> (0 before the first packet).</summary>
    public long LastSentPacketId => Math.Min(Volatile.Read(ref _send.LastPacketId), uint.MaxValue);

    /// <summary>Highest packet-id accepted by <see cref="Decrypt"/>.</summary>
    public uint HighestReceivedPacketId => _receive.Replay.HighestPacketId;

    public long PacketsOut => Volatile.Read(ref _send.Packets);

    /// <summary>Wire bytes sent (whole packets incl. header).</summary>
    public long BytesOut => Volatile.Read(ref _send.Bytes);

    public long PacketsIn => Volatile.Read(ref _receive.Packets);

    /// <summary>Wire bytes received and accepted (whole packets incl. header).</summary>
    public long BytesIn => Volatile.Read(ref _receive.Bytes);

    /// <summary>Packets dropped because the tag/HMAC did not verify.</summary>
    public long AuthenticationFailures => Volatile.Read(ref _receive.AuthFailures);

    /// <summary>Packets dropped by the replay window.</summary>
    public long ReplaysDropped => Volatile.Read(ref _receive.Replays);

    /// <summary>Packets dropped for any other reason (too short, wrong key_id, malformed, ...).</summary>
    public long MalformedDropped => Volatile.Read(ref _receive.Malformed);

    /// <summary>Header length: 1 for P_DATA_V1 (peerId &lt; 0), 4 for P_DATA_V2.</summary>
    public static int GetHeaderLength(int peerId) => DataPacketHeader.GetLength(peerId);

    /// <summary>
    /// Where the plaintext sits in the wire packet for AEAD suites (header + packet-id + tag):
    /// a payload placed exactly there is sealed/opened in place. For CBC suites it is the start
    /// of the ciphertext (the plaintext is copied).
    /// </summary>
    public int GetPayloadOffset(int peerId) => Suite.IsAead
        ? DataPacketHeader.GetLength(peerId) + DataCipherSuite.PacketIdLength + DataCipherSuite.AeadTagLength
        : DataPacketHeader.GetLength(peerId) + Suite.HmacLength + DataCipherSuite.AesBlockSize;

    /// <summary>Exact wire length <see cref="Encrypt"/> produces for a payload of this length.</summary>
    public int GetEncryptedLength(int payloadLength, int peerId) => Suite.IsAead
        ? GetPayloadOffset(peerId) + payloadLength
        : CbcSealer.SealedLength(DataPacketHeader.GetLength(peerId), Suite.HmacLength, payloadLength);

    /// <summary>
    /// Writes the complete wire packet (header [+ peer-id], crypto envelope, ciphertext) for
    /// <paramref name="payload"/> (already compression-framed) and returns its length, or 0 if
    /// the packet-id space is exhausted (the packet must be dropped; renegotiate) or the key has
    /// been disposed.
    /// peerId -1 sends P_DATA_V1, 0..0xFFFFFF P_DATA_V2. Throws only for caller bugs
    /// (destination too small, peer-id out of range).
    /// </summary>
    public int Encrypt(ReadOnlySpan<byte> payload, Span<byte> destination, int peerId)
    {
        if (peerId > DataPacketHeader.NoPeerId || peerId < -1)
        {
            ThrowHelper.PeerIdOutOfRange(peerId);
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            return 0;
        }

        long id = Interlocked.Increment(ref _send.LastPacketId);
        if ((ulong)id > uint.MaxValue)
        {
            // "packet ID roll over": never reuse a nonce. Keep the counter pinned.
            Volatile.Write(ref _send.LastPacketId, (long)uint.MaxValue + 1);
            return 0;
        }

        if (destination.IsEmpty)
        {
            ThrowHelper.DestinationTooSmall(GetEncryptedLength(payload.Length, peerId), 0);
        }

        int headerLength = DataPacketHeader.Write(destination, KeyId, peerId);
        int written;
        try
        {
            written = _aeadSealer is not null
                ? _aeadSealer.Seal(destination, headerLength, peerId >= 0, (uint)id, payload)
                : _cbcSealer!.Seal(destination, headerLength, (uint)id, payload);
        }
        catch (Exception) when (Volatile.Read(ref _disposed) != 0)
        {
            // Disposed by another thread mid-packet (key retired): drop, as for an exhausted key.
            return 0;
        }

        Interlocked.Increment(ref _send.Packets);
        Interlocked.Add(ref _send.Bytes, written);
        return written;
    }

    /// <summary>
    /// Authenticates and decrypts one data packet (P_DATA_V1 or V2, this key's key_id) into
    /// <paramref name="payloadDestination"/>; the replay window is consulted and updated only
    /// after the packet authenticated. Never throws for bad input: anything but
    /// <see cref="DataDecryptResult.Ok"/> means drop (and it is counted).
    /// </summary>
    public DataDecryptResult Decrypt(ReadOnlySpan<byte> packet, Span<byte> payloadDestination, long nowMs, out int payloadLength)
    {
        payloadLength = 0;
        if (Volatile.Read(ref _disposed) != 0)
        {
            return DataDecryptResult.KeyDisposed;
        }

        if (!DataPacketHeader.TryParse(packet, out int keyId, out int peerId, out int headerLength))
        {
            return Drop(packet.IsEmpty || DataPacketHeader.IsData(packet[0]) ? DataDecryptResult.TooShort : DataDecryptResult.NotDataPacket);
        }

        if (keyId != KeyId)
        {
            return Drop(DataDecryptResult.WrongKeyId);
        }

        uint packetId;
        int length;
        DataDecryptResult result;
        try
        {
            result = _aeadOpener is not null
                ? _aeadOpener.Open(packet, headerLength, peerId >= 0, payloadDestination, out packetId, out length)
                : _cbcOpener!.Open(packet, headerLength, payloadDestination, out packetId, out length);
        }
        catch (Exception) when (Volatile.Read(ref _disposed) != 0)
        {
            return DataDecryptResult.KeyDisposed;
        }

        if (result != DataDecryptResult.Ok)
        {
            return Drop(Volatile.Read(ref _disposed) != 0 ? DataDecryptResult.KeyDisposed : result);
        }

        if (!_receive.Replay.CheckAndUpdate(packetId, nowMs))
        {
            return Drop(DataDecryptResult.Replay);
        }

        _receive.Packets++;
        _receive.Bytes += packet.Length;
        payloadLength = length;
        return DataDecryptResult.Ok;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private DataDecryptResult Drop(DataDecryptResult result)
    {
        switch (result)
        {
            case DataDecryptResult.AuthenticationFailed:
                _receive.AuthFailures++;
                break;
            case DataDecryptResult.Replay:
                _receive.Replays++;
                break;
            case DataDecryptResult.KeyDisposed:
                break;
            default:
                _receive.Malformed++;
                break;
        }

        return result;
    }

    /// <summary>
    /// Releases the cipher contexts. Safe while another thread is inside Encrypt/Decrypt: that
    /// call finishes or reports 0 / <see cref="DataDecryptResult.KeyDisposed"/>; later calls do too.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _aeadSealer?.Dispose();
        _aeadOpener?.Dispose();
        _cbcSealer?.Dispose();
        _cbcOpener?.Dispose();
    }

    // Separate objects keep the two threads' hot fields on different cache lines.
    private sealed class SendState
    {
        public long LastPacketId;
        public long Packets;
        public long Bytes;
    }

    private sealed class ReceiveState(ReplayWindow replay)
    {
        public readonly ReplayWindow Replay = replay;
        public long Packets;
        public long Bytes;
        public long AuthFailures;
        public long Replays;
        public long Malformed;
    }

    /// <summary>Tests: the same key with the System.Security.Cryptography AEAD classes instead of libcrypto.</summary>
    internal static DataChannelKey CreateManagedForTest(DataCipherSuite suite, ReadOnlySpan<byte> keyMaterial256, bool isServer, byte keyId) =>
        new(suite, keyMaterial256, isServer, keyId, ReplayWindow.DefaultWindowPackets, ReplayWindow.DefaultWindowSeconds, managedAead: true);

    /// <summary>True when AEAD goes straight to libcrypto.</summary>
    internal bool IsNativeAead => _aeadSealer?.IsNative == true;

    internal AeadSealer? AeadSealerForTest => _aeadSealer;

    internal AeadOpener? AeadOpenerForBench => _aeadOpener;

    internal void SetLastSentPacketIdForTest(long id) => Volatile.Write(ref _send.LastPacketId, id);

    internal CbcSealer? CbcSealerForTest => _cbcSealer;
}
