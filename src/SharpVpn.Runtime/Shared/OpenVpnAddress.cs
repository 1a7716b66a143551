using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Runtime.Shared;

/// <summary>OpenVPN's way of writing a socket address (socket.c print_openvpn_sockaddr), as logs and journal files show it.</summary>
internal static class OpenVpnAddress
{
    /// <summary>"[AF_INET]10.0.0.1:443" or "[AF_INET6]2001:db8::1:443"; an IPv4-mapped address is written as IPv4.</summary>
    public static string Format(IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        IPAddress a = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
        string family = a.AddressFamily == AddressFamily.InterNetworkV6 ? "AF_INET6" : "AF_INET";
        return $"[{family}]{a}:{endPoint.Port.ToString(CultureInfo.InvariantCulture)}";
    }
}
