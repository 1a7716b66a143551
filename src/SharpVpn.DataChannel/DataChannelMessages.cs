using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// Special payloads carried inside ordinary (encrypted, compression-framed) data packets,
/// recognised after decryption and unframing (openvpn-protocol.md §10.1-10.3):
/// <code>
/// ping: exactly the 16 bytes 2a 18 7b f3 64 1e b4 cb 07 ed 2d 0a 98 1f c7 48   (ping.c ping_string, ping.h is_ping_msg)
/// OCC:  28 7f 34 6b d4 ef 7a 81 2d 56 b8 d3 af c5 45 9c | opcode u8 | data       (occ.c occ_magic, occ.h is_occ_msg)
/// </code>
/// </summary>
public static class DataChannelMessages
{
    public const int MagicLength = 16;

    public static ReadOnlySpan<byte> PingMagic =>
        [0x2a, 0x18, 0x7b, 0xf3, 0x64, 0x1e, 0xb4, 0xcb, 0x07, 0xed, 0x2d, 0x0a, 0x98, 0x1f, 0xc7, 0x48];

    public static ReadOnlySpan<byte> OccMagic =>
        [0x28, 0x7f, 0x34, 0x6b, 0xd4, 0xef, 0x7a, 0x81, 0x2d, 0x56, 0xb8, 0xd3, 0xaf, 0xc5, 0x45, 0x9c];

    /// <summary>True if the (unframed) payload is exactly the ping magic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsPing(ReadOnlySpan<byte> payload) =>
        payload.Length == MagicLength && payload.SequenceEqual(PingMagic);

    /// <summary>True if the payload starts with the OCC magic (OpenVPN matches the head only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsOcc(ReadOnlySpan<byte> payload) =>
        payload.Length >= MagicLength && payload[..MagicLength].SequenceEqual(OccMagic);

    /// <summary>Cheap pre-filter: IP packets start with 0x4_/0x6_, the magics with 0x2a/0x28.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool MayBeSpecial(ReadOnlySpan<byte> payload) =>
        !payload.IsEmpty && (payload[0] == 0x2a || payload[0] == 0x28);

    /// <summary>Writes the 16-byte ping payload; returns 16.</summary>
    public static int WritePing(Span<byte> destination)
    {
        PingMagic.CopyTo(destination);
        return MagicLength;
    }

    /// <summary>Writes OCC magic + opcode (+ data, e.g. the NUL-terminated options string for Reply); returns the length.</summary>
    public static int WriteOcc(Span<byte> destination, OccOpcode opcode, ReadOnlySpan<byte> data = default)
    {
        int total = MagicLength + 1 + data.Length;
        if (destination.Length < total)
        {
            ThrowHelper.DestinationTooSmall(total, destination.Length);
        }

        OccMagic.CopyTo(destination);
        destination[MagicLength] = (byte)opcode;
        data.CopyTo(destination[(MagicLength + 1)..]);
        return total;
    }

    /// <summary>Writes an OCC_EXIT message (explicit-exit-notify); returns 17.</summary>
    public static int WriteExitNotify(Span<byte> destination) => WriteOcc(destination, OccOpcode.Exit);

    /// <summary>
    /// Parses an OCC message: false if it is not one or has no opcode byte. data is what follows
    /// the opcode (Reply: options string incl. NUL; MtuLoadRequest: u16; MtuReply: u16, u16).
    /// </summary>
    public static bool TryParseOcc(ReadOnlySpan<byte> payload, out OccOpcode opcode, out ReadOnlySpan<byte> data)
    {
        if (IsOcc(payload) && payload.Length > MagicLength)
        {
            opcode = (OccOpcode)payload[MagicLength];
            data = payload[(MagicLength + 1)..];
            return true;
        }

        opcode = default;
        data = default;
        return false;
    }

    /// <summary>True if the payload is an OCC_EXIT (peer is shutting down).</summary>
    public static bool IsExitNotify(ReadOnlySpan<byte> payload) =>
        TryParseOcc(payload, out OccOpcode op, out _) && op == OccOpcode.Exit;

    /// <summary>The options string of an OCC_REPLY without its trailing NUL, or null.</summary>
    public static string? TryGetOccReplyOptions(ReadOnlySpan<byte> payload)
    {
        if (!TryParseOcc(payload, out OccOpcode op, out ReadOnlySpan<byte> data) || op != OccOpcode.Reply)
        {
            return null;
        }

        int nul = data.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(nul >= 0 ? data[..nul] : data);
    }
}
