using System.Net;

namespace SharpVpn.Config;

/// <summary>The virtual device and what is configured on it locally (not pushed).</summary>
public sealed record TunSettings
{
    /// <summary><c>dev</c> as written (required, as in OpenVPN): "tun" (kernel picks the number) or a name like "tun0".</summary>
    public string Device { get; init; } = "tun";

    /// <summary>"tun" (tap is refused).</summary>
    public string DeviceType { get; init; } = "tun";

    public Topology Topology { get; init; } = Topology.Net30;

    /// <summary>True when <c>topology</c> was written in the file.</summary>
    public bool TopologyConfigured { get; init; }

    public int TunMtu { get; init; } = 1500;

    /// <summary><c>mssfix [n [mtu|fixed]]</c>; null = default (<c>mssfix 1492 mtu</c> in OpenVPN 2.6; a bare <c>mssfix</c> too), 0 = off.</summary>
    public int? MssFix { get; init; }

    /// <summary>What <see cref="MssFix"/> counts (its second argument).</summary>
    public MssFixMode MssFixMode { get; init; }

    public int? TxQueueLength { get; init; }

    /// <summary>Local <c>ifconfig</c>; for a server derived from <c>server</c> if not given.</summary>
    public IfconfigSettings? Ifconfig { get; init; }

    /// <summary>Local <c>route</c> lines (a server derived from <c>server</c> also routes its network here).</summary>
    public IReadOnlyList<Route> Routes { get; init; } = [];

    /// <summary>Local <c>route-ipv6</c> lines, installed on the tun device once it has an IPv6 address (server-ipv6, or a pushed ifconfig-ipv6).</summary>
    public IReadOnlyList<RouteIpv6> RoutesIpv6 { get; init; } = [];

    /// <summary><c>block-ipv6</c>: IPv6 is answered with ICMPv6 "no route" instead of carried (client: from its tun; server: from clients).</summary>
    public bool BlockIpv6 { get; init; }

    /// <summary>
    /// <c>route-gateway</c>. For a subnet server without one, OpenVPN (helper.c) sets network+2 as the
    /// default next hop of the server's own <c>route</c> lines; this value reproduces that.
    /// </summary>
    public IPAddress? RouteGateway { get; init; }

    public int? RouteMetric { get; init; }

    public RedirectGateway? RedirectGateway { get; init; }

    public IReadOnlyList<DhcpOption> DhcpOptions { get; init; } = [];

    /// <summary><c>block-outside-dns</c>: Windows-only; accepted and ignored on Linux (a note is in the warnings).</summary>
    public bool BlockOutsideDns { get; init; }
}
