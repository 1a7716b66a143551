using System.Net;

namespace SharpVpn.Runtime.Setup;

/// <summary>Everything quickstart decided about the server, after defaults and host discovery.</summary>
public sealed record ServerSettings
{
    public required string PublicAddress { get; init; }

    public int Port { get; init; } = 1194;

    /// <summary>"udp" or "tcp".</summary>
    public string Protocol { get; init; } = "udp";

    public required IPNetwork Pool { get; init; }

    public IReadOnlyList<IPNetwork> PushRoutes { get; init; } = [];

    public IReadOnlyList<IPAddress> Dns { get; init; } = [];

    public bool FullTunnel { get; init; }

    /// <summary>The interfaces the pool is masqueraded out of (one per intranet), or just "auto" (the default route's).</summary>
    public IReadOnlyList<string> NatInterfaces { get; init; } = ["auto"];

    public IReadOnlyList<string> DataCiphers { get; init; } = ["AES-256-GCM", "CHACHA20-POLY1305"];

    /// <summary>Where a TCP server relays connections that are not OpenVPN (port-share); null = none.</summary>
    public DnsEndPoint? PortShare { get; init; }
}
