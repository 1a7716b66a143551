using System.Net;

namespace SharpVpn.Platform.Network;

/// <summary>How the kernel would reach an address (<c>ip -j route get</c>): through a gateway or on-link, on which device.</summary>
public readonly record struct RouteInfo(IPAddress Destination, IPAddress? Gateway, string Device, IPAddress? PreferredSource, string Type)
{
    /// <summary>True when the address is one of this host's own (type "local"), such as loopback.</summary>
    public bool IsLocal => Type == "local";
}
