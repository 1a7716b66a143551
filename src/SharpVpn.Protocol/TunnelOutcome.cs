namespace SharpVpn.Protocol;

/// <summary>
/// What a call into the sans-IO core produced (style.md §2, like boringtun's TunnResult). After
/// <see cref="WriteToNetwork"/>, drain the session's outgoing queue.
/// </summary>
public enum TunnelOutcome : byte
{
    /// <summary>Processed; nothing to send.</summary>
    None,

    /// <summary>Control packets are waiting: call <c>TryDequeueOutgoing</c> until it returns false.</summary>
    WriteToNetwork,

    /// <summary>A decrypted tunnel packet is ready for the TUN device (data path).</summary>
    WriteToTun,

    /// <summary>The packet was dropped and counted; see the drop reason. Never an exception.</summary>
    Dropped,

    /// <summary>The session has ended (fatal error, peer exit, ping-restart); read its events.</summary>
    Closed,
}
