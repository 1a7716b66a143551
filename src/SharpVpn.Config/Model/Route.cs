using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// <c>route network [netmask [gateway [metric]]]</c>. <see cref="Gateway"/> is null (use the default:
/// route-gateway for subnet, the ifconfig peer for net30), a dotted IPv4 address, or one of the
/// keywords <c>vpn_gateway</c> / <c>net_gateway</c>.
/// </summary>
public sealed record Route(IPAddress Network, IPAddress Netmask, string? Gateway, int? Metric)
{
    public int PrefixLength => Ipv4.PrefixLength(Ipv4.ToUInt32(Netmask));

    /// <summary>The route as an OpenVPN option line, e.g. "route 192.168.1.0 255.255.255.0".</summary>
    public string ToOptionString()
    {
        string s = $"route {Network} {Netmask}";
        if (Gateway is not null)
        {
            s += " " + Gateway;
            if (Metric is int m)
            {
                s += " " + m.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return s;
    }
}
