using System.Buffers.Binary;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// The answer to an IPv6 packet under <c>block-ipv6</c> (OpenVPN forward.c ipv6_send_icmp_unreachable): an ICMPv6
/// Destination Unreachable, code 0 "no route to destination" (RFC 4443 §3.1), from the tunnel's IPv6 remote address
/// (or fe80::7 without one) back to the packet's source, carrying as much of the packet as fits in 1280 bytes and
/// the tun MTU. Unlike OpenVPN it stays silent where RFC 4443 §2.4(e) forbids an error: for ICMPv6 error messages,
/// multicast destinations and an unspecified source (the packet is dropped either way). No allocation.
/// </summary>
public static class Icmpv6Unreachable
{
    /// <summary>IPv6 header (40) + ICMPv6 header (8).</summary>
    public const int HeaderBytes = 48;

    /// <summary>RFC 4443: the whole error packet stays within the IPv6 minimum MTU.</summary>
    public const int MaxPacketBytes = 1280;

    private const byte NextHeaderIcmpv6 = 58;
    private const byte TypeDestinationUnreachable = 1;
    private const byte CodeNoRoute = 0;

    /// <summary>fe80::7, OpenVPN's source for these errors when the tunnel has no IPv6 remote address.</summary>
    public static readonly UInt128 FallbackSource = ((UInt128)0xfe80_0000_0000_0000 << 64) | 7;

    /// <summary>
    /// Writes the error for the IPv6 <paramref name="packet"/> into <paramref name="output"/> (at least
    /// <see cref="MaxPacketBytes"/> bytes) and returns its length, or 0 when no error may be sent (see the class).
    /// </summary>
    public static int Write(ReadOnlySpan<byte> packet, UInt128 source, int tunMtu, Span<byte> output)
    {
        if (packet.Length < 40 || (packet[0] >> 4) != 6)
        {
            return 0;
        }

        ReadOnlySpan<byte> originalSource = packet.Slice(8, 16);
        if (packet[24] == 0xFF || originalSource.IndexOfAnyExcept((byte)0) < 0)
        {
            return 0; // multicast destination, or unspecified source: nobody to tell
        }

        if (packet[6] == NextHeaderIcmpv6 && packet.Length > 40 && packet[40] < 128)
        {
            return 0; // an ICMPv6 error itself (types 0-127)
        }

        int payload = Math.Min(Math.Min(MaxPacketBytes, tunMtu) - HeaderBytes, packet.Length);
        int icmpLength = 8 + payload;
        // IPv6 header: version, traffic class and flow label and hop limit as the packet had them (as OpenVPN does).
        packet[..4].CopyTo(output);
        BinaryPrimitives.WriteUInt16BigEndian(output[4..], (ushort)icmpLength);
        output[6] = NextHeaderIcmpv6;
        output[7] = packet[7];
        BinaryPrimitives.WriteUInt128BigEndian(output[8..], source);
        originalSource.CopyTo(output[24..]);
        Span<byte> icmp = output.Slice(40, icmpLength);
        icmp[0] = TypeDestinationUnreachable;
        icmp[1] = CodeNoRoute;
        icmp[2..8].Clear(); // checksum (below) and the unused word
        packet[..payload].CopyTo(icmp[8..]);
        // RFC 8200 §8.1: the pseudo-header is the two addresses, the ICMPv6 length and the next-header value.
        uint pseudo = TunOffload.Sum(output.Slice(8, 32), (uint)icmpLength + NextHeaderIcmpv6);
        ushort checksum = TunOffload.Finish(TunOffload.Sum(icmp, pseudo));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return 40 + icmpLength;
    }
}
