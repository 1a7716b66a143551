using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// <c>ifconfig-ipv6 ADDR/BITS REMOTE</c> as an OpenVPN server with <c>server-ipv6</c> pushes it: our tunnel address and
/// its prefix (the remote end is only used by OpenVPN for p2p setups; a tun device is addressed with the prefix).
/// </summary>
public sealed record IfconfigIpv6Settings(IPAddress Local, int PrefixLength, IPAddress Remote);

/// <summary><c>route-ipv6 NET/BITS [GATEWAY] [METRIC]</c>: an IPv6 network reached through the tunnel.</summary>
public sealed record RouteIpv6(IPNetwork Network, IPAddress? Gateway, int? Metric);
