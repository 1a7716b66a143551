using System.Buffers.Binary;

namespace SharpVpn.Platform.Tun;

/// <summary>
/// The write side of TUN offload (generic receive offload in user space; model: wireguard-go
/// tun/offload_linux.go <c>handleGRO</c>, Linux net/ipv4/tcp_offload.c <c>tcp_gro_receive</c>).
/// A receive loop adds the IP packets one batch of datagrams decrypted to; consecutive in-order TCP
/// segments of one IPv4 flow are merged into one super-segment, and <see cref="Flush"/> hands each
/// merged segment to the kernel with a single write and a virtio_net_hdr that says how to cut it
/// (GSO TCPV4, checksum partial). The kernel then forwards, NATs and delivers ~40 segments as one
/// packet instead of 40: that per-packet work, not the crypto, is what limits a VPN's throughput.
/// <code>
///  merge only when (as tcp_gro_receive): IPv4 without options, not a fragment, flags ACK or ACK|PSH,
///  TCP checksum valid, payload &gt; 0, same addresses/ports/TOS/TTL/DF/ack/TCP options, seq = previous end, payload ≤ the
///  first segment's (only the last may be shorter), nothing after a PSH, total ≤ 65535 bytes
/// </code>
/// Anything else (ICMP, UDP, SYN/FIN/RST, IPv6, ...) is written unchanged, in arrival order relative to its
/// own flow. On a device without offload every packet is written as it came. One instance per writing
/// thread; no allocation in the steady state (an item grows to 64 KB once, the first time a segment merges into it).
/// </summary>
public sealed class TunWriteBatch
{
    /// <summary>Largest IPv4 packet, so the largest super-segment.</summary>
    public const int MaxSuperSegment = 65535;

    private const int Ipv4HeaderLength = 20;
    private const int InitialItemBytes = 2048;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;
    private const int ProtocolTcp = 6;

    private readonly Item[] _items;
    private int _count;
    private long _written;
    private long _superSegments;
    private long _dropped;

    /// <param name="maxPending">Packets (or merged segments) held before a write is forced; the receive batch size.</param>
    public TunWriteBatch(int maxPending = 32)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPending, 1);
        _items = new Item[maxPending];
    }

    /// <summary>Packets written (each merged segment counts as the packets it holds).</summary>
    public long Written => _written;

    /// <summary>Super-segments written (shows that merging happens).</summary>
    public long SuperSegments => _superSegments;

    /// <summary>Packets the kernel refused or that could not be written (device gone).</summary>
    public long Dropped => _dropped;

    /// <summary>Packets waiting for <see cref="Flush"/>.</summary>
    public int Pending => _count;

    /// <summary>
    /// Adds one IP packet (copied). When <paramref name="tun"/> has no offload the packet is written at once;
    /// otherwise it waits for <see cref="Flush"/> (which runs here first if the batch is full).
    /// Returns how many packets a write it made had to drop (also counted in <see cref="Dropped"/>): usually 0.
    /// </summary>
    public int Add(ITunDevice tun, ReadOnlySpan<byte> packet)
    {
        if (!tun.OffloadEnabled)
        {
            return WritePlain(tun, packet, 1) ? 0 : 1;
        }

        if (!TryParseSegment(packet, out Segment segment) && packet.Length > 9 && packet[0] >> 4 == 4 && packet[9] == ProtocolTcp)
        {
            CloseAll(); // TCP with IP options or a fragment: rare; keep every flow's order simply
        }
        else if (segment.TcpHeaderLength != 0)
        {
            int previous = FindLatestOfFlow(packet);
            if (previous >= 0 && _items[previous].CanAppend(packet, segment))
            {
                _items[previous].Append(packet, segment);
                return 0;
            }

            if (previous >= 0)
            {
                _items[previous].Closed = true; // later segments must not jump over this one
            }
        }

        int dropped = _count == _items.Length ? Flush(tun) : 0;
        Item item = _items[_count] ??= new Item();
        item.Start(packet, segment);
        _count++;
        return dropped;
    }

    /// <summary>Writes everything pending, in order; returns how many packets were dropped.</summary>
    public int Flush(ITunDevice? tun)
    {
        int dropped = 0;
        for (int i = 0; i < _count; i++)
        {
            Item item = _items[i];
            if (tun is null)
            {
                dropped += item.Segments;
                continue;
            }

            if (item.Segments > 1)
            {
                TunOffload.VirtioNetHeader header = item.Finish();
                try
                {
                    if (tun.WriteOffloaded(header, item.Packet))
                    {
                        _written += item.Segments;
                        _superSegments++;
                    }
                    else
                    {
                        dropped += item.Segments;
                    }
                }
                catch (ObjectDisposedException)
                {
                    dropped += item.Segments;
                }
            }
            else if (!WritePlain(tun, item.Packet, 1))
            {
                dropped++;
            }
        }

        _count = 0;
        _dropped += dropped;
        return dropped;
    }

    /// <summary>Forgets what is pending (the device went away); counts it as dropped.</summary>
    public void Clear()
    {
        for (int i = 0; i < _count; i++)
        {
            _dropped += _items[i].Segments;
        }
        _count = 0;
    }

    private void CloseAll()
    {
        for (int i = 0; i < _count; i++)
        {
            _items[i].Closed = true;
        }
    }

    private bool WritePlain(ITunDevice tun, ReadOnlySpan<byte> packet, int segments)
    {
        try
        {
            if (tun.Write(packet))
            {
                _written += segments;
                return true;
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed by shutdown or reconnect: a drop like any other.
        }

        _dropped += segments;
        return false;
    }

    /// <summary>The most recent pending item of the same TCP/IPv4 flow (addresses and ports), or -1.</summary>
    private int FindLatestOfFlow(ReadOnlySpan<byte> packet)
    {
        ulong addresses = BinaryPrimitives.ReadUInt64LittleEndian(packet[12..]);
        uint ports = BinaryPrimitives.ReadUInt32LittleEndian(packet[Ipv4HeaderLength..]);
        for (int i = _count - 1; i >= 0; i--)
        {
            Item item = _items[i];
            if (item.IsTcp && item.Addresses == addresses && item.Ports == ports)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// A TCP/IPv4 packet that could be merged (or merged into). IPv4 (RFC 791): version/IHL(1) TOS(1) length(2)
    /// id(2) flags/fragment(2) TTL(1) protocol(1) checksum(2) source(4) destination(4); TCP (RFC 9293): ports(4)
    /// seq(4) ack(4) data-offset(1) flags(1) window(2) checksum(2) urgent(2) options.
    /// </summary>
    private static bool TryParseSegment(ReadOnlySpan<byte> p, out Segment segment)
    {
        segment = default;
        if (p.Length < Ipv4HeaderLength + 20 || p[0] != 0x45 || p[9] != ProtocolTcp
            || BinaryPrimitives.ReadUInt16BigEndian(p[2..]) != p.Length
            || (BinaryPrimitives.ReadUInt16BigEndian(p[6..]) & 0x3FFF) != 0) // MF or fragment offset: a fragment
        {
            return false;
        }

        int tcpHeader = (p[Ipv4HeaderLength + 12] >> 4) * 4;
        if (tcpHeader < 20 || Ipv4HeaderLength + tcpHeader > p.Length)
        {
            return false;
        }

        byte flags = p[Ipv4HeaderLength + 13];
        int payload = p.Length - Ipv4HeaderLength - tcpHeader;
        bool mergeable = payload > 0 && (flags & ~TcpPsh) == TcpAck && TcpChecksumValid(p);
        segment = new Segment(
            tcpHeader,
            payload,
            BinaryPrimitives.ReadUInt32BigEndian(p[(Ipv4HeaderLength + 4)..]),
            (flags & TcpPsh) != 0,
            mergeable);
        return true;
    }

    /// <summary>
    /// As GRO does (a NIC's verified checksum or tcp4_gro_receive's check): a segment with a wrong checksum is never
    /// merged, because the merged segment gets a fresh checksum and the error would be hidden; alone, the kernel drops it.
    /// </summary>
    private static bool TcpChecksumValid(ReadOnlySpan<byte> p)
    {
        uint pseudo = TunOffload.PseudoHeaderSum(p, v4: true, Ipv4HeaderLength, p.Length - Ipv4HeaderLength);
        return TunOffload.Finish(TunOffload.Sum(p[Ipv4HeaderLength..], pseudo)) == 0;
    }

    private readonly record struct Segment(int TcpHeaderLength, int PayloadLength, uint Sequence, bool Push, bool Mergeable);

    /// <summary>One pending write: a packet as it came, or a TCP segment with more appended.</summary>
    private sealed class Item
    {
        // One packet's worth until a segment is merged into it: a receive thread keeps its items, and a batch of
        // many small flows must not leave 64 KB per item behind (a server has such a thread per TCP client).
        private byte[] _buffer = new byte[InitialItemBytes];
        private int _length;
        private int _tcpHeaderLength;
        private int _gsoSize;
        private uint _nextSequence;

        public bool IsTcp;
        public bool Closed;
        public ulong Addresses;
        public uint Ports;
        public int Segments;

        public ReadOnlySpan<byte> Packet => _buffer.AsSpan(0, _length);

        public void Start(ReadOnlySpan<byte> packet, in Segment segment)
        {
            if (packet.Length > _buffer.Length)
            {
                _buffer = new byte[Math.Max(packet.Length, MaxSuperSegment)];
            }
            packet.CopyTo(_buffer);
            _length = packet.Length;
            Segments = 1;
            IsTcp = segment.TcpHeaderLength != 0;
            Closed = !segment.Mergeable || segment.Push;
            if (IsTcp)
            {
                Addresses = BinaryPrimitives.ReadUInt64LittleEndian(packet[12..]);
                Ports = BinaryPrimitives.ReadUInt32LittleEndian(packet[Ipv4HeaderLength..]);
                _tcpHeaderLength = segment.TcpHeaderLength;
                _gsoSize = segment.PayloadLength;
                _nextSequence = segment.Sequence + (uint)segment.PayloadLength;
            }
        }

        public bool CanAppend(ReadOnlySpan<byte> p, in Segment s)
        {
            if (Closed || !s.Mergeable || s.TcpHeaderLength != _tcpHeaderLength || s.Sequence != _nextSequence
                || s.PayloadLength > _gsoSize || _length + s.PayloadLength > MaxSuperSegment)
            {
                return false;
            }

            ReadOnlySpan<byte> first = _buffer;
            // TOS, TTL and the DF bit as tcp_gro_receive/inet_gro_receive; the same ack and TCP options
            // (timestamps included), so every cut segment gets a header its sender could have sent.
            return p[1] == first[1] && p[8] == first[8] && (p[6] & 0x40) == (first[6] & 0x40)
                && p.Slice(Ipv4HeaderLength + 8, 4).SequenceEqual(first.Slice(Ipv4HeaderLength + 8, 4))
                && p.Slice(Ipv4HeaderLength + 20, _tcpHeaderLength - 20).SequenceEqual(first.Slice(Ipv4HeaderLength + 20, _tcpHeaderLength - 20));
        }

        public void Append(ReadOnlySpan<byte> p, in Segment s)
        {
            if (_length + s.PayloadLength > _buffer.Length)
            {
                byte[] larger = new byte[MaxSuperSegment]; // once per item: merging happens, the flow is busy
                _buffer.AsSpan(0, _length).CopyTo(larger);
                _buffer = larger;
            }
            p[(Ipv4HeaderLength + _tcpHeaderLength)..].CopyTo(_buffer.AsSpan(_length));
            _length += s.PayloadLength;
            _nextSequence += (uint)s.PayloadLength;
            Segments++;
            if (s.Push)
            {
                _buffer[Ipv4HeaderLength + 13] |= TcpPsh; // the merged segment ends with a push, as its last part did
                Closed = true;
            }
            else if (s.PayloadLength < _gsoSize)
            {
                Closed = true; // only the last cut segment may be short
            }
        }

        /// <summary>
        /// Turns the merged packet into what a TSO-capable sender would hand a NIC: IP length and header checksum
        /// for the whole, the TCP checksum field holding only the pseudo-header sum (CHECKSUM_PARTIAL, as
        /// __tcp_v4_send_check leaves it), and the virtio header describing the cut.
        /// </summary>
        public TunOffload.VirtioNetHeader Finish()
        {
            Span<byte> p = _buffer.AsSpan(0, _length);
            BinaryPrimitives.WriteUInt16BigEndian(p[2..], (ushort)_length);
            p[10] = 0;
            p[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(p[10..], TunOffload.Finish(TunOffload.Sum(p[..Ipv4HeaderLength], 0)));

            uint pseudo = TunOffload.PseudoHeaderSum(p, v4: true, Ipv4HeaderLength, _length - Ipv4HeaderLength);
            BinaryPrimitives.WriteUInt16BigEndian(p[(Ipv4HeaderLength + 16)..], (ushort)~TunOffload.Finish(pseudo)); // folded, not inverted

            return new TunOffload.VirtioNetHeader(
                TunOffload.NeedsChecksum,
                TunOffload.GsoTcpV4,
                (ushort)(Ipv4HeaderLength + _tcpHeaderLength),
                (ushort)_gsoSize,
                Ipv4HeaderLength,
                16);
        }
    }
}
