using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Config;

/// <summary>Routes, DNS and device tuning configured locally (the same syntax a server pushes).</summary>
internal static class NetworkOptions
{
    public static readonly OptionDefinition[] Definitions =
    [
        DnsOption.Definition,
        new("route", 1, 4, static (s, l) => s.Routes.Add(ParseRoute(l)), "route NETWORK [NETMASK [GATEWAY [METRIC]]]"),
        new("route-gateway", 1, 1, static (s, l) =>
            {
                if (l.Arg(0) == "dhcp")
                {
                    throw l.Error("'dhcp' only works with tap devices, which SharpVPN does not support");
                }

                s.RouteGateway = Ipv4.ToAddress(ParseState.Address(l, 0));
            }, "route-gateway ADDRESS: default gateway for routes without one"),
        new("route-metric", 1, 1, static (s, l) => s.RouteMetric = ParseState.Int(l, 0, 0, 255), "route-metric N: default metric"),
        new("route-delay", 0, 2, static (s, l) => s.Warn(l, "is not needed on Linux and is ignored"), "route-delay (ignored)"),
        new("redirect-gateway", 0, 8, static (s, l) => s.RedirectGateway = ParseRedirect(l, isPrivate: false),
            "redirect-gateway [def1] [bypass-dhcp] [bypass-dns] [local] [autolocal] [block-local] [ipv6] [!ipv4]"),
        new("redirect-private", 0, 8, static (s, l) => s.RedirectGateway = ParseRedirect(l, isPrivate: true),
            "redirect-private [flags]: like redirect-gateway without changing the default route"),
        new("dhcp-option", 1, 3, static (s, l) => s.DhcpOptions.Add(ParseDhcpOption(l)), "dhcp-option TYPE [VALUE]"),
        new("block-outside-dns", 0, 0, static (s, l) =>
            {
                s.BlockOutsideDns = true;
                s.Warn(l, "is a Windows-only option; it is accepted and has no effect on Linux");
            }, "block-outside-dns (Windows only)"),
        new("tun-mtu", 1, 1, static (s, l) => s.TunMtu = ParseState.Int(l, 0, 576, 65535), "tun-mtu N (default 1500)"),
        new("mssfix", 0, 2, static (s, l) =>
            {
                // A bare "mssfix" means OpenVPN's default (options.c: mssfix_default), i.e. "mssfix 1492 mtu".
                s.MssFix = l.ArgCount > 0 ? ParseState.Int(l, 0, 0, 65535) : null;
                s.MssFixMode = l.ArgCount < 2 ? MssFixMode.Payload : l.Arg(1) switch
                {
                    "mtu" => MssFixMode.Mtu,
                    "fixed" => MssFixMode.Fixed,
                    _ => throw l.Error($"'{l.Arg(1)}' is not mtu|fixed"),
                };
            }, "mssfix [N [mtu|fixed]]: clamp TCP MSS (default 1492 mtu, 0 = off)"),
        new("txqueuelen", 1, 1, static (s, l) => s.TxQueueLength = ParseState.Int(l, 0, 1, 1_000_000), "txqueuelen N: tun transmit queue length"),
        new("sndbuf", 1, 1, static (s, l) => s.SocketSendBuffer = ParseState.Int(l, 0, 0, 64 * 1024 * 1024), "sndbuf BYTES: socket send buffer"),
        new("mark", 1, 1, static (s, l) => s.SocketMark = ParseState.Int(l, 0, 0, int.MaxValue),
            "mark N: put firewall mark N on the tunnel's packets (SO_MARK; for ip rule fwmark policy routing)"),
        new("bind-dev", 1, 1, static (s, l) =>
            {
                string dev = l.Arg(0);
                if (dev.Length > 15 || dev.Contains('/', StringComparison.Ordinal))
                {
                    throw l.Error($"'{dev}' is not a valid interface name (at most 15 characters, no '/')");
                }

                s.BindDevice = dev;
            }, "bind-dev DEV: send and receive the tunnel's packets only through DEV (SO_BINDTODEVICE, e.g. a VRF)"),
        new("rcvbuf", 1, 1, static (s, l) => s.SocketReceiveBuffer = ParseState.Int(l, 0, 0, 64 * 1024 * 1024), "rcvbuf BYTES: socket receive buffer"),
        new("tun-ipv6", 0, 0, static (s, l) => s.Warn(l, "is obsolete and ignored"), "tun-ipv6 (obsolete)"),
        new("block-ipv6", 0, 0, static (s, _) => s.BlockIpv6 = true, "block-ipv6: answer IPv6 with ICMPv6 'no route' instead of carrying it (client: what reaches its tun device; server: what clients send)"),
        new("route-ipv6", 1, 3, static (s, l) => s.RoutesIpv6.Add(ParseRouteIpv6(l)), "route-ipv6 NET/BITS [GATEWAY [METRIC]]: an IPv6 network through the tunnel (installed once the tunnel has an IPv6 address)"),
        new("ifconfig-ipv6", 2, 2, static (s, l) => s.Warn(l, "is not supported yet in a config file and is ignored (the client applies ifconfig-ipv6 pushed by a dual-stack server)"), "ifconfig-ipv6 (ignored)"),
        new("server-ipv6", 1, 1, static (s, l) => s.ServerIpv6 = (ParseServerIpv6(s, l), l),
            "server-ipv6 NET/BITS: IPv6 inside the tunnel, /64 to /124, beside 'server' (server tun NET+1, client i of the pool gets NET+0x1000+i, or NET+2+i from /112)",
            OptionScope.Server),
        new("ifconfig-ipv6-pool", 1, 1, static (s, l) => s.Warn(l, "is ignored: SharpVPN's server takes its IPv6 pool from server-ipv6 only"), "ifconfig-ipv6-pool (ignored; use server-ipv6)", OptionScope.Server),
    ];

    /// <summary>
    /// <c>server-ipv6 NET/BITS</c> (options.c): an IPv6 network of /64 to /124. Host bits are masked off (with a
    /// warning) so the server and pool addresses are counted from the network's start.
    /// </summary>
    internal static IPNetwork ParseServerIpv6(ParseState s, ConfigLine line)
    {
        IPNetwork network = ParseState.Ipv6Network(line, 0, out bool masked);
        if (network.PrefixLength is < 64 or > 124)
        {
            throw line.Error($"'{line.Arg(0)}': only /64 to /124 supported (not /{network.PrefixLength})");
        }

        if (masked)
        {
            s.Warn(line, $"'{line.Arg(0)}' has host bits set; using the network {network}");
        }

        return network;
    }

    internal static Route ParseRoute(ConfigLine line)
    {
        uint network = ParseState.Address(line, 0);
        uint mask = line.ArgCount > 1 && line.Arg(1) != "default" ? ParseState.Netmask(line, 1) : uint.MaxValue;
        if ((network & ~mask) != 0)
        {
            throw line.Error($"network {line.Arg(0)} has host bits set for netmask {Ipv4.Format(mask)}");
        }

        string? gateway = null;
        if (line.ArgCount > 2 && line.Arg(2) != "default")
        {
            gateway = line.Arg(2) is "vpn_gateway" or "net_gateway" ? line.Arg(2) : Ipv4.Format(ParseState.Address(line, 2));
        }

        int? metric = line.ArgCount > 3 && line.Arg(3) != "default" ? ParseState.Int(line, 3, 0, 255) : null;
        return new Route(Ipv4.ToAddress(network), Ipv4.ToAddress(mask), gateway, metric);
    }

    internal static RouteIpv6 ParseRouteIpv6(ConfigLine line)
    {
        System.Net.IPNetwork network = ParseState.Ipv6Network(line, 0, out bool masked);
        if (masked)
        {
            throw line.Error($"network {line.Arg(0)} has host bits set (the network is {network})");
        }

        System.Net.IPAddress? gateway = line.ArgCount > 1 && line.Arg(1) != "default" ? ParseState.Ipv6Address(line, 1) : null;
        int? metric = line.ArgCount > 2 && line.Arg(2) != "default" ? ParseState.Int(line, 2, 0, 65535) : null;
        return new RouteIpv6(network, gateway, metric);
    }

    internal static RedirectGateway ParseRedirect(ConfigLine line, bool isPrivate)
    {
        var flags = new List<string>();
        foreach (string raw in line.Args)
        {
            string flag = raw.ToLowerInvariant();
            if (!RedirectGateway.KnownFlags.Contains(flag))
            {
                throw line.Error($"'{raw}' is not a redirect-gateway flag ({string.Join(", ", RedirectGateway.KnownFlags)})");
            }

            flags.Add(flag);
        }

        return new RedirectGateway(flags, isPrivate);
    }

    internal static DhcpOption ParseDhcpOption(ConfigLine line)
    {
        string type = line.Arg(0).ToUpperInvariant();
        switch (type)
        {
            case "DNS" or "WINS" or "NTP" or "NBDD":
                Require(line, 2);
                return new DhcpOption(type, Ipv4.Format(ParseState.Address(line, 1)));
            case "DNS6":
                Require(line, 2);
                if (!IPAddress.TryParse(line.Arg(1), out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    throw line.Error($"'{line.Arg(1)}' is not an IPv6 address");
                }

                return new DhcpOption(type, v6.ToString());
            case "DOMAIN" or "DOMAIN-SEARCH" or "ADAPTER_DOMAIN_SUFFIX":
                Require(line, 2);
                if (!IsDomainName(line.Arg(1)))
                {
                    throw line.Error($"'{line.Arg(1)}' is not a domain name");
                }

                return new DhcpOption(type, line.Arg(1));
            case "NBT":
                Require(line, 2);
                int nbt = ParseState.Int(line, 1, 1, 8);
                if (nbt is not (1 or 2 or 4 or 8))
                {
                    throw line.Error($"'{line.Arg(1)}' is not a NetBIOS node type (1, 2, 4 or 8)");
                }

                return new DhcpOption(type, line.Arg(1));
            case "NBS":
                Require(line, 2);
                return new DhcpOption(type, line.Arg(1));
            case "DISABLE-NBT":
                Require(line, 1);
                return new DhcpOption(type, null);
            case "PROXY_HTTP":
                Require(line, 3);
                if (!IsDomainName(line.Arg(1)) && !Ipv4.TryParse(line.Arg(1), out uint _))
                {
                    throw line.Error($"'{line.Arg(1)}' is not a host name");
                }

                return new DhcpOption(type, $"{line.Arg(1)} {ParseState.PortNumber(line, 2)}");
            default:
                throw line.Error($"'{line.Arg(0)}' is not a known dhcp-option type");
        }
    }

    private static void Require(ConfigLine line, int argCount)
    {
        if (line.ArgCount != argCount)
        {
            throw line.Error($"dhcp-option {line.Arg(0)} takes {argCount - 1} value(s), got {line.ArgCount - 1}");
        }
    }

    /// <summary>Letters, digits, '-', '_' and dots; 1..253 characters. Keeps shell and resolv.conf metacharacters out.</summary>
    internal static bool IsDomainName(string text) =>
        text.Length is > 0 and <= 253 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_') && !text.StartsWith('.') && !text.Contains("..", StringComparison.Ordinal);
}
