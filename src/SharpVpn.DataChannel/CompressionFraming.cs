using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// Compression framing of the plaintext inside data packets (openvpn-protocol.md §9.7). Byte
/// values from openvpn src/openvpn/comp.h:
/// <code>
/// LZO_COMPRESS_BYTE 0x66   LZ4_COMPRESS_BYTE 0x69   NO_COMPRESS_BYTE 0xFA   NO_COMPRESS_BYTE_SWAP 0xFB
/// COMP_ALGV2_INDICATOR_BYTE 0x50, then 0 = uncompressed, 1 = LZ4, 2 = LZO, 3 = Snappy
/// </code>
/// Outgoing we never compress (VORACLE; 2.6 <c>allow-compression asym</c>). Incoming we
/// decompress LZO1X / LZ4 into a caller buffer whose length is the hard output bound. Malformed
/// frames are counted and reported, never thrown. Applies to ping/OCC payloads too.
/// One instance per peer; <see cref="Unframe"/> is called by the receiving thread only.
/// </summary>
public sealed class CompressionFraming
{
    public const byte LzoCompressByte = 0x66;
    public const byte Lz4CompressByte = 0x69;
    public const byte NoCompressByte = 0xFA;
    public const byte NoCompressByteSwap = 0xFB;
    public const byte V2IndicatorByte = 0x50;
    public const byte V2UncompressedByte = 0x00;
    public const byte V2Lz4Byte = 0x01;

    // OpenVPN's sender escapes with COMP_ALGV2_UNCOMPRESSED (10) by mistake (§9.7); accept it too.
    private const byte V2UncompressedSentByOpenVpn = 0x0A;

    private long _dropped;
    private long _decompressed;

    public CompressionFraming(CompressionFramingMode mode)
    {
        Mode = mode;
    }

    public CompressionFramingMode Mode { get; }

    /// <summary>Frames dropped (bad header byte, malformed or oversize compressed data).</summary>
    public long DroppedFrames => Volatile.Read(ref _dropped);

    /// <summary>Frames that arrived compressed and were decompressed.</summary>
    public long DecompressedFrames => Volatile.Read(ref _decompressed);

    /// <summary>Most bytes <see cref="FrameUncompressed"/> adds to a packet (0, 1 or 2).</summary>
    public int MaxFrameOverhead => Mode switch
    {
        CompressionFramingMode.None => 0,
        CompressionFramingMode.StubV2 or CompressionFramingMode.Lz4V2 => 2,
        _ => 1,
    };

    /// <summary>
    /// Maps a config directive to a mode: ("comp-lzo", null|"yes"|"adaptive"|"no") or
    /// ("compress", null|"stub"|"stub-v2"|"lzo"|"lz4"|"lz4-v2"|"migrate"). "migrate" (server
    /// only) means no framing until a client needs one. Returns false with a reason otherwise.
    /// </summary>
    public static bool TryParseMode(string directive, string? argument, out CompressionFramingMode mode, [NotNullWhen(false)] out string? error)
    {
        error = null;
        string arg = argument?.Trim().ToLowerInvariant() ?? string.Empty;
        switch (directive.Trim().ToLowerInvariant())
        {
            case "comp-lzo":
                switch (arg)
                {
                    case "" or "yes" or "adaptive":
                        mode = CompressionFramingMode.Lzo;
                        return true;
                    case "no":
                        mode = CompressionFramingMode.LzoStub;
                        return true;
                }

                mode = default;
                error = $"bad comp-lzo option: {argument} -- must be 'yes', 'no', or 'adaptive'.";
                return false;
            case "compress":
                switch (arg)
                {
                    case "" or "stub":
                        mode = CompressionFramingMode.Stub;
                        return true;
                    case "stub-v2":
                        mode = CompressionFramingMode.StubV2;
                        return true;
                    case "lzo":
                        mode = CompressionFramingMode.Lzo;
                        return true;
                    case "lz4":
                        mode = CompressionFramingMode.Lz4;
                        return true;
                    case "lz4-v2":
                        mode = CompressionFramingMode.Lz4V2;
                        return true;
                    case "migrate":
                        mode = CompressionFramingMode.None;
                        return true;
                }

                mode = default;
                error = $"compress algorithm '{argument}' is not supported; use stub, stub-v2, lzo, lz4, lz4-v2 or migrate.";
                return false;
            default:
                mode = default;
                error = $"'{directive}' is not a compression directive.";
                return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="packet"/> framed as "not compressed" for this mode into
    /// <paramref name="destination"/> (which must not overlap it) and returns the length.
    /// </summary>
    public int FrameUncompressed(ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        int n = packet.Length;
        switch (Mode)
        {
            case CompressionFramingMode.None:
                packet.CopyTo(destination);
                return n;
            case CompressionFramingMode.Lzo:
            case CompressionFramingMode.LzoStub:
                destination[n] = 0; // bounds check first
                destination[0] = NoCompressByte;
                packet.CopyTo(destination[1..]);
                return n + 1;
            case CompressionFramingMode.Stub:
            case CompressionFramingMode.Lz4:
                if (n == 0)
                {
                    return 0;
                }

                // Swap: first byte to the end, 0xFB in front (keeps the payload aligned).
                destination[n] = packet[0];
                packet.CopyTo(destination);
                destination[0] = NoCompressByteSwap;
                return n + 1;
            default:
                if (n > 0 && packet[0] == V2IndicatorByte)
                {
                    destination[n + 1] = 0;
                    destination[0] = V2IndicatorByte;
                    destination[1] = V2UncompressedByte;
                    packet.CopyTo(destination[2..]);
                    return n + 2;
                }

                packet.CopyTo(destination);
                return n;
        }
    }

    /// <summary>
    /// Frames in place: the packet is at buffer[offset..offset+length], with at least
    /// <see cref="MaxFrameOverhead"/> bytes free before it and 1 after it. Returns the framed
    /// length; the frame starts at <paramref name="framedOffset"/>. No copy of the packet.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FrameInPlace(Span<byte> buffer, int offset, int length, out int framedOffset)
    {
        switch (Mode)
        {
            case CompressionFramingMode.None:
                framedOffset = offset;
                return length;
            case CompressionFramingMode.Lzo:
            case CompressionFramingMode.LzoStub:
                framedOffset = offset - 1;
                buffer[framedOffset] = NoCompressByte;
                return length + 1;
            case CompressionFramingMode.Stub:
            case CompressionFramingMode.Lz4:
                framedOffset = offset;
                if (length == 0)
                {
                    return 0;
                }

                buffer[offset + length] = buffer[offset];
                buffer[offset] = NoCompressByteSwap;
                return length + 1;
            default:
                if (length > 0 && buffer[offset] == V2IndicatorByte)
                {
                    framedOffset = offset - 2;
                    buffer[framedOffset] = V2IndicatorByte;
                    buffer[framedOffset + 1] = V2UncompressedByte;
                    return length + 2;
                }

                framedOffset = offset;
                return length;
        }
    }

    /// <summary>
    /// Removes the framing from a decrypted payload. Uncompressed packets are returned as a
    /// slice of <paramref name="framed"/> (swap modes rewrite its first byte in place);
    /// compressed ones are decompressed into <paramref name="decompressBuffer"/>, whose length
    /// is the hard bound on the output (e.g. tun MTU + slack). Anything but Ok/Decompressed
    /// means drop; it is counted in <see cref="DroppedFrames"/>.
    /// </summary>
    public UnframeResult Unframe(Span<byte> framed, Span<byte> decompressBuffer, out Span<byte> packet)
    {
        packet = default;
        if (Mode == CompressionFramingMode.None)
        {
            packet = framed;
            return framed.IsEmpty ? UnframeResult.Empty : UnframeResult.Ok;
        }

        if (framed.IsEmpty)
        {
            return UnframeResult.Empty;
        }

        byte head = framed[0];
        switch (Mode)
        {
            case CompressionFramingMode.Lzo:
                if (head == NoCompressByte)
                {
                    return Plain(framed[1..], out packet);
                }

                if (head == LzoCompressByte)
                {
                    return Lzo1xDecompressor.TryDecompress(framed[1..], decompressBuffer, out int n) && n > 0
                        ? Inflated(decompressBuffer[..n], out packet)
                        : Drop(UnframeResult.DecompressFailed);
                }

                return Drop(UnframeResult.BadHeader);

            case CompressionFramingMode.LzoStub:
                return head == NoCompressByte ? Plain(framed[1..], out packet) : Drop(UnframeResult.BadHeader);

            case CompressionFramingMode.Stub:
            case CompressionFramingMode.Lz4:
            {
                // Undo the swap: the last byte goes back to the front.
                int last = framed.Length - 1;
                framed[0] = framed[last];
                Span<byte> body = framed[..last];
                if (head == NoCompressByteSwap)
                {
                    return Plain(body, out packet);
                }

                if (head == Lz4CompressByte && Mode == CompressionFramingMode.Lz4)
                {
                    return Lz4BlockDecompressor.TryDecompress(body, decompressBuffer, out int n)
                        ? Inflated(decompressBuffer[..n], out packet)
                        : Drop(UnframeResult.DecompressFailed);
                }

                return Drop(UnframeResult.BadHeader);
            }

            default:
                if (head != V2IndicatorByte)
                {
                    packet = framed;
                    return UnframeResult.Ok;
                }

                if (framed.Length < 2)
                {
                    return Drop(UnframeResult.BadHeader);
                }

                byte alg = framed[1];
                if (alg == V2UncompressedByte || alg == V2UncompressedSentByOpenVpn)
                {
                    return Plain(framed[2..], out packet);
                }

                if (alg == V2Lz4Byte && Mode == CompressionFramingMode.Lz4V2)
                {
                    return Lz4BlockDecompressor.TryDecompress(framed[2..], decompressBuffer, out int n)
                        ? Inflated(decompressBuffer[..n], out packet)
                        : Drop(UnframeResult.DecompressFailed);
                }

                return Drop(UnframeResult.BadHeader);
        }
    }

    private static UnframeResult Plain(Span<byte> body, out Span<byte> packet)
    {
        packet = body;
        return body.IsEmpty ? UnframeResult.Empty : UnframeResult.Ok;
    }

    private UnframeResult Inflated(Span<byte> output, out Span<byte> packet)
    {
        _decompressed++;
        packet = output;
        return UnframeResult.Decompressed;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private UnframeResult Drop(UnframeResult result)
    {
        _dropped++;
        return result;
    }
}
