namespace SharpVpn.Platform.Transport;

/// <summary>Socket settings for <see cref="UdpTransport"/>.</summary>
public sealed record UdpTransportOptions
{
    /// <summary>SO_RCVBUF wanted (bytes). Raised past net.core.rmem_max with SO_RCVBUFFORCE when we have CAP_NET_ADMIN.</summary>
    public int ReceiveBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>SO_SNDBUF wanted (bytes), likewise.</summary>
    public int SendBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>For an IPv6 wildcard bind: also accept IPv4 (peers then appear as ::ffff:a.b.c.d).</summary>
    public bool DualMode { get; init; } = true;

    /// <summary>Let <see cref="UdpTransport.SendBatch"/> use UDP GSO (UDP_SEGMENT, Linux 4.18+) for runs of equal-sized datagrams.</summary>
    public bool UseGso { get; init; } = true;

    /// <summary>Receive with UDP GRO (UDP_GRO, Linux 5.0+): coalesced datagrams are split back before callers see them.</summary>
    public bool UseGro { get; init; } = true;

    /// <summary><c>mark</c> / <c>bind-dev</c> for the socket; null = neither.</summary>
    public LinkSocketOptions? Link { get; init; }
}
