using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Reliability;

/// <summary>One reliable control message: its opcode, message packet-id and payload (TLS bytes, or empty for resets).</summary>
/// <param name="Opcode">P_CONTROL_V1, a reset, or P_CONTROL_WKC_V1.</param>
/// <param name="PacketId">The message packet-id (reliability sequence number).</param>
/// <param name="Payload">The payload bytes; owned by the window, do not modify.</param>
/// <param name="TransmitCount">Send side: how many times it has been handed out for sending, this time included (1 = first send).</param>
public readonly record struct ReliableMessage(Opcode Opcode, uint PacketId, ReadOnlyMemory<byte> Payload, int TransmitCount);
