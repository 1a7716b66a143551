using System.Buffers.Binary;

namespace SharpVpn.Protocol.Wire;

/// <summary>
/// The first byte of every packet and the classification of opcodes.
/// <code>
///  bit 7 6 5 4 3 | 2 1 0
///      opcode    | key_id        (ssl_pkt.h P_OPCODE_SHIFT 3, P_KEY_ID_MASK 7)
/// </code>
/// </summary>
public static class PacketHeader
{
    /// <summary>Builds byte0 from an opcode and a key_id (0..7).</summary>
    public static byte Make(Opcode opcode, int keyId)
    {
        if ((uint)keyId > ProtocolConstants.KeyIdMask)
        {
            throw new ArgumentOutOfRangeException(nameof(keyId), keyId, "key_id is 0..7.");
        }
        return (byte)(((int)opcode << ProtocolConstants.OpcodeShift) | keyId);
    }

    /// <summary>The opcode in byte0 (may be an undefined value; check with <see cref="IsKnown"/>).</summary>
    public static Opcode GetOpcode(byte b0) => (Opcode)(b0 >> ProtocolConstants.OpcodeShift);

    /// <summary>The key_id in byte0.</summary>
    public static int GetKeyId(byte b0) => b0 & ProtocolConstants.KeyIdMask;

    /// <summary>True for opcodes 1..11.</summary>
    public static bool IsKnown(Opcode opcode) => opcode is >= Opcode.ControlHardResetClientV1 and <= Opcode.ControlWkcV1;

    /// <summary>True for P_DATA_V1 / P_DATA_V2.</summary>
    public static bool IsData(Opcode opcode) => opcode is Opcode.DataV1 or Opcode.DataV2;

    /// <summary>True for the control opcodes OpenVPN 2.6 processes (3,4,5,7,8,10,11); key-method-1 resets are excluded.</summary>
    public static bool IsControl(Opcode opcode) => opcode is Opcode.ControlSoftResetV1 or Opcode.ControlV1 or Opcode.AckV1
        or Opcode.ControlHardResetClientV2 or Opcode.ControlHardResetServerV2
        or Opcode.ControlHardResetClientV3 or Opcode.ControlWkcV1;

    /// <summary>True when the packet carries a message packet-id (every control opcode except P_ACK_V1).</summary>
    public static bool HasMessagePacketId(Opcode opcode) => IsControl(opcode) && opcode != Opcode.AckV1;

    /// <summary>True for the hard resets of key-method 2 (client V2/V3, server V2).</summary>
    public static bool IsHardReset(Opcode opcode) => opcode is Opcode.ControlHardResetClientV2
        or Opcode.ControlHardResetServerV2 or Opcode.ControlHardResetClientV3;

    /// <summary>True for the client hard resets (V2, V3).</summary>
    public static bool IsClientHardReset(Opcode opcode) => opcode is Opcode.ControlHardResetClientV2 or Opcode.ControlHardResetClientV3;

    /// <summary>True when tls-crypt-v2 appends the wrapped client key to this opcode (V3 reset, WKC_V1).</summary>
    public static bool CarriesWrappedKey(Opcode opcode) => opcode is Opcode.ControlHardResetClientV3 or Opcode.ControlWkcV1;

    /// <summary>
    /// Reads the clear prefix every control packet starts with, wrapped or not: byte0 and own session id (9 bytes).
    /// Returns false when the packet is shorter than 9 bytes.
    /// </summary>
    public static bool TryPeek(ReadOnlySpan<byte> packet, out Opcode opcode, out int keyId, out SessionId sessionId)
    {
        if (packet.Length < 1 + ProtocolConstants.SessionIdBytes)
        {
            opcode = default;
            keyId = 0;
            sessionId = default;
            return false;
        }
        opcode = GetOpcode(packet[0]);
        keyId = GetKeyId(packet[0]);
        sessionId = new SessionId(BinaryPrimitives.ReadUInt64BigEndian(packet[1..]));
        return true;
    }
}
