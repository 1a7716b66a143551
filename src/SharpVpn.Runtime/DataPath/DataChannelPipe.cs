using System.Runtime.CompilerServices;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Session;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// One peer's data channel as the loops see it (openvpn-protocol.md §9, §10.1-10.3):
/// <code>
///  outbound  TUN packet at buf[Headroom..] --frame in place (never compress)--> encrypt with the session's
///            current key (P_DATA_V2 with the pushed peer-id, else V1) --> wire packet in a second buffer
///  inbound   wire packet --key for its key_id (current or lame duck)--> decrypt (tag/HMAC, replay window)
///            --> unframe / decompress --> ping? OCC? else IP packet for the TUN
/// </code>
/// Keys come from the <see cref="TunnelSession"/>'s thread-safe slots, so a renegotiation switches keys per
/// key_id without stopping either loop. A client has one pipe per session; a server one per client.
/// Threading: <see cref="Seal"/> may be called from several threads (TUN loop, control loop pings) and is
/// serialised by a lock, because a key allows one encryptor at a time; <see cref="Open"/> from one receive
/// thread only. No allocation, formatting or logging per packet.
/// </summary>
public sealed class DataChannelPipe
{
    private readonly TunnelSession _session;
    private readonly Lock _sealLock = new();
    private CompressionFraming _framing;

    // Activity stamps (MonotonicClock ms) read by the control loop for ping / ping-restart.
    private long _lastSentMs;
    private long _lastReceivedMs;

    // Counters (status file, logs). Written by one thread each, read anywhere.
    private long _tunReadBytes;
    private long _tunWriteBytes;
    private long _linkReadBytes;
    private long _linkWriteBytes;
    private long _droppedInbound;
    private long _droppedOutbound;

    public DataChannelPipe(TunnelSession session, CompressionFramingMode framing)
    {
        _session = session;
        _framing = new CompressionFraming(framing);
    }

    public TunnelSession Session => _session;

    /// <summary>The compression framing in use; a pushed <c>compress</c>/<c>comp-lzo</c> replaces it before traffic flows.</summary>
    public CompressionFramingMode Framing
    {
        get => Volatile.Read(ref _framing).Mode;
        set => Volatile.Write(ref _framing, new CompressionFraming(value));
    }

    /// <summary>
    /// mssfix: TCP SYNs both ways get their MSS lowered to this (IPv6: 20 less) so segments fit one link packet
    /// unfragmented; 0 = off. Defaults to OpenVPN 2.6's default; an engine sets the configured value.
    /// </summary>
    public int MaxSegmentSize { get; set; } = MssClamp.DefaultMaxSegmentSize;

    public long LastSentMs => Volatile.Read(ref _lastSentMs);

    public long LastReceivedMs => Volatile.Read(ref _lastReceivedMs);

    public long TunReadBytes => Volatile.Read(ref _tunReadBytes);

    public long TunWriteBytes => Volatile.Read(ref _tunWriteBytes);

    public long LinkReadBytes => Volatile.Read(ref _linkReadBytes);

    public long LinkWriteBytes => Volatile.Read(ref _linkWriteBytes);

    public long DroppedInbound => Volatile.Read(ref _droppedInbound);

    public long DroppedOutbound => Volatile.Read(ref _droppedOutbound);

    /// <summary>True once the session installed a key to send with.</summary>
    public bool CanSend => _session.CurrentEncryptKey is not null;

    /// <summary>
    /// Frames and encrypts the TUN packet at <c>plain[offset..offset+length]</c> (with at least
    /// <see cref="DataPathLayout.Headroom"/> bytes before it and 1 after it, which the framing may use) into
    /// <paramref name="wire"/>. Returns the wire length, or 0 when there is no key yet / packet ids ran out (dropped).
    /// </summary>
    public int Seal(Span<byte> plain, int offset, int length, Span<byte> wire) => SealCore(plain, offset, length, wire, countTun: true);

    private int SealCore(Span<byte> plain, int offset, int length, Span<byte> wire, bool countTun)
    {
        DataChannelKey? key = _session.CurrentEncryptKey;
        if (key is null || length <= 0)
        {
            return DropOutbound();
        }

        if (countTun)
        {
            MssClamp.Apply(plain.Slice(offset, length), MaxSegmentSize);
        }

        int peerId = _session.DataPeerId;
        CompressionFraming framing = Volatile.Read(ref _framing);
        int n;
        lock (_sealLock)
        {
            int framedLength = framing.FrameInPlace(plain, offset, length, out int framedOffset);
            n = key.Encrypt(plain.Slice(framedOffset, framedLength), wire, peerId);
            if (n != 0)
            {
                if (countTun)
                {
                    _tunReadBytes += length;
                }

                _linkWriteBytes += n;
            }
        }

        if (n == 0)
        {
            return DropOutbound();
        }

        Volatile.Write(ref _lastSentMs, NowMs());
        return n;
    }

    /// <summary>Encrypts a data-channel ping (16-byte magic, framed) into <paramref name="wire"/>; 0 when no key.</summary>
    public int SealPing(Span<byte> wire)
    {
        Span<byte> plain = stackalloc byte[DataPathLayout.Headroom + DataChannelMessages.MagicLength + 8];
        int len = DataChannelMessages.WritePing(plain[DataPathLayout.Headroom..]);
        return SealControl(plain, len, wire);
    }

    /// <summary>Encrypts an OCC_EXIT (explicit-exit-notify) into <paramref name="wire"/>; 0 when no key.</summary>
    public int SealExitNotify(Span<byte> wire)
    {
        Span<byte> plain = stackalloc byte[DataPathLayout.Headroom + DataChannelMessages.MagicLength + 8];
        int len = DataChannelMessages.WriteExitNotify(plain[DataPathLayout.Headroom..]);
        return SealControl(plain, len, wire);
    }

    // Pings and OCC messages are not TUN traffic.
    private int SealControl(Span<byte> plain, int length, Span<byte> wire) =>
        SealCore(plain, DataPathLayout.Headroom, length, wire, countTun: false);

    /// <summary>
    /// Authenticates, decrypts and unframes one received data packet. <paramref name="scratch"/> receives the
    /// plaintext, <paramref name="decompress"/> bounds a decompressed packet; <paramref name="packet"/> points
    /// into one of them when the result is <see cref="InboundData.TunPacket"/>.
    /// </summary>
    public InboundData Open(ReadOnlySpan<byte> wire, Span<byte> scratch, Span<byte> decompress, out Span<byte> packet)
    {
        packet = default;
        DataChannelKey? key = _session.FindDecryptKey(wire[0] & DataPacketHeader.KeyIdMask);
        if (key is null)
        {
            return DropInbound();
        }

        long now = NowMs();
        if (key.Decrypt(wire, scratch, now, out int plainLength) != DataDecryptResult.Ok)
        {
            return DropInbound();
        }

        _linkReadBytes += wire.Length;
        Volatile.Write(ref _lastReceivedMs, now);

        UnframeResult unframed = Volatile.Read(ref _framing).Unframe(scratch[..plainLength], decompress, out Span<byte> payload);
        if (unframed is not (UnframeResult.Ok or UnframeResult.Decompressed))
        {
            return DropInbound();
        }

        if (DataChannelMessages.MayBeSpecial(payload))
        {
            if (DataChannelMessages.IsPing(payload))
            {
                return InboundData.Ping;
            }

            if (DataChannelMessages.IsOcc(payload))
            {
                return DataChannelMessages.IsExitNotify(payload) ? InboundData.ExitNotify : InboundData.Occ;
            }
        }

        MssClamp.Apply(payload, MaxSegmentSize);
        _tunWriteBytes += payload.Length;
        packet = payload;
        return InboundData.TunPacket;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static long NowMs() => MonotonicClock.NowMs;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int DropOutbound()
    {
        Interlocked.Increment(ref _droppedOutbound);
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private InboundData DropInbound()
    {
        _droppedInbound++;
        return InboundData.Dropped;
    }
}
