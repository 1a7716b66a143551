using SharpVpn.Platform.Transport;

namespace SharpVpn.Runtime.Server;

/// <summary>What a receive thread hands the control loop.</summary>
internal enum ControlWorkKind : byte
{
    /// <summary>A control packet for an existing client.</summary>
    Packet,

    /// <summary>A gate-approved packet that creates a client (UDP cookie or stateful; TCP first packet).</summary>
    NewClient,

    /// <summary>A TCP connection ended (peer closed or failed).</summary>
    LinkClosed,
}

/// <summary>One unit of control-loop work. Control packets are rare, so each carries its own copy.</summary>
internal sealed record ControlWork(ControlWorkKind Kind, byte[] Packet, ServerClient? Client = null, GateResult Gate = default,
    ClientAddress? Address = null, ServerTcpConnection? Tcp = null, string? Reason = null);
