namespace SharpVpn.DataChannel;

/// <summary>OCC message opcodes (openvpn src/openvpn/occ.h; openvpn-protocol.md §10.2).</summary>
public enum OccOpcode : byte
{
    Request = 0,
    Reply = 1,
    MtuLoadRequest = 2,
    MtuLoad = 3,
    MtuRequest = 4,
    MtuReply = 5,

    /// <summary>Explicit exit notification (<c>--explicit-exit-notify</c>, §10.3).</summary>
    Exit = 6,
}
