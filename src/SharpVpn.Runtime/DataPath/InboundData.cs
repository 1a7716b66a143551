namespace SharpVpn.Runtime.DataPath;

/// <summary>What <see cref="DataChannelPipe.Open"/> made of one received data packet.</summary>
public enum InboundData : byte
{
    /// <summary>An IP packet for the TUN device.</summary>
    TunPacket,

    /// <summary>A keepalive ping: authenticated traffic, nothing to deliver.</summary>
    Ping,

    /// <summary>OCC_EXIT: the peer is shutting down (explicit-exit-notify).</summary>
    ExitNotify,

    /// <summary>Another OCC message (request/reply/MTU); ignored in TLS mode.</summary>
    Occ,

    /// <summary>Dropped and counted (no key for the key_id, bad tag/HMAC, replay, bad framing).</summary>
    Dropped,
}
