using System.Buffers.Binary;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// Splits a TCP byte stream into OpenVPN packets. Framing (openvpn-protocol.md §1; o2 src/openvpn/socket.c
/// stream_buf_*): each packet is preceded by its length as a 2-byte big-endian integer
/// <code>| len (u16 BE) | packet (len bytes) | len | packet | ...</code>
/// Reads land in one fixed buffer; whole packets are copied out, partial ones (even a split header) wait
/// for more bytes. A length of 0 or above the maximum cannot be resynchronised from, so it is an error.
/// </summary>
public sealed class TcpFrameReader
{
    private byte[] _buffer;
    private int _start;
    private int _end;

    public TcpFrameReader(int maxPacketSize)
    {
        if (maxPacketSize is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPacketSize), maxPacketSize, "The maximum TCP packet size must be 1..65535 (a 2-byte length).");
        }
        MaxPacketSize = maxPacketSize;
        // Room for several frames so one receive call can bring in many packets, but only once the link is busy:
        // a server holds one reader per TCP client, and most clients are idle most of the time.
        _fullSize = Math.Max(64 * 1024, 2 * (maxPacketSize + 2));
        _buffer = new byte[Math.Min(_fullSize, InitialSize)];
    }

    /// <summary>Buffer size until a receive fills it or a frame needs more (then <c>max(64 KB, 2 frames)</c>).</summary>
    public const int InitialSize = 4096;

    private readonly int _fullSize;

    /// <summary>Current buffer size (grows once, under load or for a large frame).</summary>
    public int Capacity => _buffer.Length;

    public int MaxPacketSize { get; }

    /// <summary>Bytes received but not yet returned as packets.</summary>
    public int Buffered => _end - _start;

    /// <summary>Free space to receive into; call <see cref="Advance"/> with the count received.</summary>
    public Memory<byte> GetReceiveMemory()
    {
        Compact();
        return _buffer.AsMemory(_end);
    }

    /// <inheritdoc cref="GetReceiveMemory"/>
    public Span<byte> GetReceiveSpan()
    {
        Compact();
        return _buffer.AsSpan(_end);
    }

    public void Advance(int count)
    {
        if (count < 0 || _end + count > _buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(count));
        }
        _end += count;
        if (_end == _buffer.Length && _buffer.Length < _fullSize)
        {
            Grow(); // the receive filled the buffer: the link is busy, take more per call from now on
        }
    }

    /// <summary>Appends bytes (tests and in-memory use).</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            Span<byte> free = GetReceiveSpan();
            if (free.Length == 0)
            {
                throw new InvalidOperationException("TCP frame buffer is full; read packets before feeding more.");
            }
            int n = Math.Min(free.Length, data.Length);
            data[..n].CopyTo(free);
            Advance(n);
            data = data[n..];
        }
    }

    /// <summary>
    /// Copies the next whole packet into <paramref name="destination"/> and returns true with its length,
    /// or returns false when more bytes are needed.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream announced a length of 0, more than <see cref="MaxPacketSize"/>, or more than <paramref name="destination"/> holds.</exception>
    public bool TryReadPacket(Span<byte> destination, out int length)
    {
        length = 0;
        if (_end - _start >= 2 && PendingFrameLength() - 2 > destination.Length)
        {
            // The peer decides the length, so this ends the connection like any other bad length.
            throw new InvalidDataException($"TCP stream announced a {PendingFrameLength() - 2}-byte packet, larger than the {destination.Length}-byte receive buffer; the connection cannot continue.");
        }
        if (!TryTakePacket(out ReadOnlySpan<byte> packet))
        {
            return false;
        }
        packet.CopyTo(destination);
        length = packet.Length;
        if (_start == _end)
        {
            _start = _end = 0;
        }
        return true;
    }

    /// <summary>Writes the 2-byte big-endian length header for a packet of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, int length)
    {
        if (length is < 1 or > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "An OpenVPN TCP packet must be 1..65535 bytes.");
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
    }

    /// <summary>
    /// Takes the next whole packet in place (no copy), or returns false when more bytes are needed. The span is valid
    /// until the next receive into this reader.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream announced a length of 0 or more than <see cref="MaxPacketSize"/>.</exception>
    public bool TryTakePacket(out ReadOnlySpan<byte> packet)
    {
        packet = default;
        if (_end - _start < 2)
        {
            return false;
        }
        int announced = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start));
        if (announced == 0 || announced > MaxPacketSize)
        {
            ThrowBadLength(announced, MaxPacketSize);
        }
        if (_end - _start - 2 < announced)
        {
            return false;
        }
        packet = _buffer.AsSpan(_start + 2, announced);
        _start += 2 + announced;
        return true;
    }

    private void Compact()
    {
        // Keep at least a maximal frame of free space at the end (the small initial buffer: any space).
        if (_start > 0 && (_start == _end || _buffer.Length - _end < MaxPacketSize + 2))
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_buffer.Length < _fullSize && (_end == _buffer.Length || PendingFrameLength() > _buffer.Length - _start))
        {
            Grow(); // no room left, or the frame being received cannot fit
        }
    }

    /// <summary>Header plus payload of the partly received frame (0 while its length is not in yet or is invalid).</summary>
    private int PendingFrameLength()
    {
        if (_end - _start < 2)
        {
            return 0;
        }
        int announced = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start));
        return announced <= MaxPacketSize ? announced + 2 : 0;
    }

    private void Grow()
    {
        byte[] larger = new byte[_fullSize];
        _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
        _end -= _start;
        _start = 0;
        _buffer = larger;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadLength(int announced, int max) =>
        throw new InvalidDataException(announced == 0
            ? "TCP stream announced a zero-length packet; the connection is out of sync."
            : $"TCP stream announced a {announced}-byte packet, above the {max}-byte maximum; the connection is out of sync.");
}
