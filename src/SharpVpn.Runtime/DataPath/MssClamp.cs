using System.Buffers.Binary;
using SharpVpn.Config;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// <c>mssfix</c>: lowers the MSS option of TCP SYN packets passing through the tunnel, in place, so the peers' TCP
/// segments plus our encapsulation fit one link packet and are never IP-fragmented (OpenVPN mss.c
/// <c>mss_fixup_ipv4</c>/<c>mss_fixup_ipv6</c>/<c>mss_fixup_dowork</c>, applied to packets from the TUN and to the TUN).
/// <code>
///  IPv4: ver/IHL(1) .. total length(2 @2) .. flags/fragment offset(2 @6) .. protocol(1 @9) .. (RFC 791)
///  IPv6: next header(1 @6), fixed header 40 bytes (RFC 8200); only TCP directly after it, as OpenVPN
///  TCP:  flags(1 @13, SYN = 0x02), data offset(high nibble @12), checksum(2 @16), options from 20 (RFC 9293)
///  MSS option: kind 2, length 4, value(2) big-endian
/// </code>
/// No allocation; a packet that is not a well-formed TCP SYN is left untouched.
/// </summary>
public static class MssClamp
{
    /// <summary>
    /// OpenVPN 2.6's default (<c>mssfix 1492</c>, counting the encapsulating IPv4 + UDP headers) for an AEAD cipher
    /// with P_DATA_V2 and no compression: 1492 - (20 IP + 8 UDP + 4 opcode/peer-id + 4 packet id + 16 tag) - 40
    /// (inner IPv4 + TCP headers) = 1400 (mtu.c <c>frame_calculate_mssfix</c>).
    /// </summary>
    public const int DefaultMaxSegmentSize = 1400;

    /// <summary>
    /// The MSS for a config's <c>mssfix</c> (TunSettings.MssFix): null = OpenVPN's default (counted with the
    /// encapsulating IP/UDP headers, <see cref="DefaultMaxSegmentSize"/>), 0 = off, n = n without encapsulation
    /// minus our AEAD P_DATA_V2 overhead (24) and the inner IPv4 + TCP headers (40), as mtu.c does for <c>mssfix n</c>;
    /// <c>mssfix n mtu</c> subtracts the outer IPv4 + UDP headers (28) too, <c>mssfix n fixed</c> only the inner 40.
    /// </summary>
    public static int ForConfig(int? mssfix, MssFixMode mode = MssFixMode.Payload) => mssfix switch
    {
        null => DefaultMaxSegmentSize,
        <= 0 => 0,
        int n => Math.Max(mode switch
        {
            MssFixMode.Mtu => n - 28 - 24 - 40,   // also the encapsulating IPv4 + UDP headers
            MssFixMode.Fixed => n - 40,           // the inner packet size as given
            _ => n - 24 - 40,
        }, 64),
    };

    /// <summary>Clamps the MSS of <paramref name="ip"/> (an IPv4 or IPv6 packet) to <paramref name="maxMss"/> (IPv6: 20 less).</summary>
    public static void Apply(Span<byte> ip, int maxMss)
    {
        if (maxMss <= 0 || ip.Length < 40)
        {
            return;
        }

        int version = ip[0] >> 4;
        if (version == 4)
        {
            int headerLength = (ip[0] & 0x0F) * 4;
            if (ip[9] != 6 || BinaryPrimitives.ReadUInt16BigEndian(ip[2..]) != ip.Length
                || (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x1FFF) != 0 || headerLength < 20 || ip.Length - headerLength < 20)
            {
                return;
            }

            ClampTcp(ip[headerLength..], maxMss);
        }
        else if (version == 6 && ip.Length >= 60)
        {
            // OpenVPN mss_fixup_ipv6: payload length must match and TCP must follow the fixed header directly.
            if (ip[6] != 6 || BinaryPrimitives.ReadUInt16BigEndian(ip[4..]) + 40 != ip.Length)
            {
                return;
            }

            ClampTcp(ip[40..], maxMss - 20);
        }
    }

    private static void ClampTcp(Span<byte> tcp, int maxMss)
    {
        if ((tcp[13] & 0x02) == 0)
        {
            return; // not a SYN
        }

        int headerLength = (tcp[12] >> 4) * 4;
        if (headerLength <= 20 || headerLength > tcp.Length)
        {
            return;
        }

        int i = 20;
        while (i < headerLength - 1)
        {
            byte kind = tcp[i];
            if (kind == 0)
            {
                return; // end of options
            }

            if (kind == 1)
            {
                i++; // NOP
                continue;
            }

            int length = tcp[i + 1];
            if (length <= 0 || length > headerLength - i)
            {
                return;
            }

            if (kind == 2 && length == 4)
            {
                int mss = BinaryPrimitives.ReadUInt16BigEndian(tcp[(i + 2)..]);
                if (mss > maxMss)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(tcp[(i + 2)..], (ushort)maxMss);
                    // Incremental checksum update (RFC 1624), as OpenVPN's ADJUST_CHECKSUM.
                    int checksum = BinaryPrimitives.ReadUInt16BigEndian(tcp[16..]);
                    BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], AdjustChecksum(checksum, mss - maxMss));
                }
            }

            i += length;
        }
    }

    /// <summary>OpenVPN proto.h ADJUST_CHECKSUM: adds <paramref name="accumulate"/> (old - new) to a one's-complement checksum.</summary>
    private static ushort AdjustChecksum(int checksum, int accumulate)
    {
        int acc = accumulate + checksum;
        if (acc < 0)
        {
            acc = -acc;
            acc = (acc >> 16) + (acc & 0xFFFF);
            acc += acc >> 16;
            return (ushort)~acc;
        }

        acc = (acc >> 16) + (acc & 0xFFFF);
        acc += acc >> 16;
        return (ushort)acc;
    }
}
