using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// Data-packet opcode header (openvpn-protocol.md §2, §9.1; ssl.c tls_prepend_opcode_v1/v2):
/// <code>
/// P_DATA_V1: byte0 = (6 &lt;&lt; 3) | key_id = 0x30 | key_id
/// P_DATA_V2: byte0 = (9 &lt;&lt; 3) | key_id = 0x48 | key_id, bytes 1..3 = peer-id (u24 big-endian)
/// </code>
/// </summary>
public static class DataPacketHeader
{
    public const int OpcodeShift = 3;
    public const byte KeyIdMask = 0x07;
    public const byte OpcodeDataV1 = 6;
    public const byte OpcodeDataV2 = 9;
    public const int V1Length = 1;
    public const int V2Length = 4;

    /// <summary>MAX_PEER_ID: the "no peer-id assigned" value.</summary>
    public const int NoPeerId = 0xFFFFFF;

    /// <summary>Opcode (high 5 bits) of a packet's first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetOpcode(byte first) => first >> OpcodeShift;

    /// <summary>key_id (low 3 bits) of a packet's first byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetKeyId(byte first) => first & KeyIdMask;

    /// <summary>True when the first byte carries P_DATA_V1 or P_DATA_V2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsData(byte first)
    {
        int op = first >> OpcodeShift;
        return op == OpcodeDataV1 || op == OpcodeDataV2;
    }

    /// <summary>Header length of a data packet: 1 for V1 (peerId &lt; 0), 4 for V2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetLength(int peerId) => peerId < 0 ? V1Length : V2Length;

    /// <summary>
    /// Parses a data-packet header. Returns false for non-data opcodes or a V2 packet shorter
    /// than 4 bytes. peerId is -1 for P_DATA_V1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryParse(ReadOnlySpan<byte> packet, out int keyId, out int peerId, out int headerLength)
    {
        if (!packet.IsEmpty)
        {
            byte b0 = packet[0];
            int op = b0 >> OpcodeShift;
            keyId = b0 & KeyIdMask;
            if (op == OpcodeDataV2)
            {
                if (packet.Length >= V2Length)
                {
                    peerId = (int)(BinaryPrimitives.ReadUInt32BigEndian(packet) & 0xFFFFFF);
                    headerLength = V2Length;
                    return true;
                }
            }
            else if (op == OpcodeDataV1)
            {
                peerId = -1;
                headerLength = V1Length;
                return true;
            }
        }

        keyId = 0;
        peerId = -1;
        headerLength = 0;
        return false;
    }

    /// <summary>Writes the V1 (peerId &lt; 0) or V2 header; returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Write(Span<byte> destination, int keyId, int peerId)
    {
        if (peerId < 0)
        {
            destination[0] = (byte)((OpcodeDataV1 << OpcodeShift) | (keyId & KeyIdMask));
            return V1Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(
            destination,
            ((uint)((OpcodeDataV2 << OpcodeShift) | (keyId & KeyIdMask)) << 24) | ((uint)peerId & 0xFFFFFF));
        return V2Length;
    }
}
