namespace SharpVpn.Protocol.Session;

/// <summary>
/// Per-thread work buffers for unwrapping, building and wrapping control packets. A session only uses them inside
/// one call on its control thread and never keeps data in them between calls, so all sessions of a thread share one
/// set instead of holding 13 kB each (a server keeps a session per client).
/// </summary>
internal static class SessionScratch
{
    [ThreadStatic]
    private static byte[]? t_plain;

    [ThreadStatic]
    private static byte[]? t_build;

    [ThreadStatic]
    private static byte[]? t_wrapped;

    /// <summary>Unwrapped incoming control packet (its payload is copied by the reliability layer before the call ends).</summary>
    public static byte[] Plain => t_plain ??= new byte[ProtocolConstants.MaxControlPacketBytes];

    /// <summary>Outgoing control packet before the wrap.</summary>
    public static byte[] Build => t_build ??= new byte[ProtocolConstants.MaxControlPacketBytes];

    /// <summary>Outgoing control packet after the wrap (copied into the outgoing queue).</summary>
    public static byte[] Wrapped => t_wrapped ??= new byte[ProtocolConstants.MaxControlPacketBytes + ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes];
}
