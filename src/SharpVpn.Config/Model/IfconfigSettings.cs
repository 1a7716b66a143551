using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// <c>ifconfig LOCAL REMOTE_OR_NETMASK</c>: for net30/p2p the second address is the peer, for subnet
/// the netmask (openvpn-protocol.md §13).
/// </summary>
public sealed record IfconfigSettings(IPAddress Local, IPAddress RemoteOrNetmask);
