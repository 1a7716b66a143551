using System.Net;

namespace SharpVpn.Platform.Firewall;

/// <summary>What the server's network setup should do (the tutorial's steps 8–10).</summary>
public sealed record NatFirewallOptions
{
    /// <summary>The VPN address pool (e.g. 10.8.0.0/24): the source that is masqueraded and forwarded.</summary>
    public required IPNetwork Pool { get; init; }

    /// <summary>Distinguishes server instances: table "sharpvpn" when null/empty, else "sharpvpn_&lt;instance&gt;".</summary>
    public string? Instance { get; init; }

    /// <summary>Masquerade the pool out of <see cref="OutInterfaces"/> (<c>nat-masquerade</c>).</summary>
    public bool Masquerade { get; init; } = true;

    /// <summary>
    /// The interfaces towards the intranet(s)/internet; null, empty or the single entry "auto" = the default route's
    /// interface.
    /// </summary>
    public IReadOnlyList<string>? OutInterfaces { get; init; }

    /// <summary>Accept the VPN port in an input chain (<c>firewall open</c>); null = no input rule.</summary>
    public int? Port { get; init; }

    /// <summary>"udp" or "tcp", for the input rule.</summary>
    public string Protocol { get; init; } = "udp";

    /// <summary>The tunnel interface; when set, the forward accepts are limited to traffic from/to it.</summary>
    public string? TunInterface { get; init; }

    /// <summary>Turn net.ipv4.ip_forward on (restored on <see cref="NatFirewall.Remove"/> if we changed it).</summary>
    public bool EnableForwarding { get; init; } = true;
}
