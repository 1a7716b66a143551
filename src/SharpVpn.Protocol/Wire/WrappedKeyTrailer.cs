using System.Buffers.Binary;

namespace SharpVpn.Protocol.Wire;

/// <summary>
/// Splits the tls-crypt-v2 wrapped client key (WKc) off the end of a P_CONTROL_HARD_RESET_CLIENT_V3 or
/// P_CONTROL_WKC_V1 packet (openvpn-protocol.md §5.2; tls_crypt.c tls_crypt_v2_extract_client_key):
/// <code>
/// [ tls-crypt packet wrapped with Kc ] || WKc,   WKc = tag(32) || ciphertext || u16 len(WKc)
/// </code>
/// The last 2 bytes give L = len(WKc); L must be at most 1024 and leave at least 1 byte of packet before it.
/// </summary>
public static class WrappedKeyTrailer
{
    /// <summary>Smallest WKc: 32-byte tag + 256-byte key + 2-byte length (no metadata).</summary>
    public const int MinimumBytes = 32 + 256 + 2;

    /// <summary>Finds the WKc at the end of <paramref name="packet"/>; <paramref name="bodyLength"/> is the length before it.</summary>
    public static bool TrySplit(ReadOnlySpan<byte> packet, out int bodyLength, out DropReason reason)
    {
        bodyLength = 0;
        if (packet.Length < 2)
        {
            reason = DropReason.TooShort;
            return false;
        }
        int len = BinaryPrimitives.ReadUInt16BigEndian(packet[^2..]);
        if (len < MinimumBytes || len > ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes || len > packet.Length - 1)
        {
            reason = DropReason.BadWrappedKey;
            return false;
        }
        bodyLength = packet.Length - len;
        reason = DropReason.None;
        return true;
    }
}
