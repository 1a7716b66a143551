using System.Net;

namespace SharpVpn.Runtime.Setup;

/// <summary>The flags of <c>sharpvpn quickstart</c>; null means "decide from the host".</summary>
public sealed record QuickstartOptions
{
    public string Directory { get; init; } = DataDirectory.DefaultRoot;

    /// <summary>Host name or address clients connect to; null: the source address of the default route.</summary>
    public string? PublicAddress { get; init; }

    public int Port { get; init; } = 1194;

    public string Protocol { get; init; } = "udp";

    public IPNetwork Pool { get; init; } = IPNetwork.Parse("10.8.0.0/24");

    /// <summary>Networks to push; null: the networks of the host's non-public interfaces.</summary>
    public IReadOnlyList<IPNetwork>? PushRoutes { get; init; }

    public IReadOnlyList<IPAddress> Dns { get; init; } = [];

    public bool FullTunnel { get; init; }

    public int Clients { get; init; } = 1;

    /// <summary>
    /// <c>--port-share HOST:PORT</c>: a TCP server also relays what is not OpenVPN (HTTPS) to this web server, so
    /// the VPN can listen on 443 beside it; null = none.
    /// </summary>
    public DnsEndPoint? PortShare { get; init; }
}
