using System.Globalization;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Platform.Network;
using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// Applies a PUSH_REPLY (plus the config's own <c>route</c>/<c>redirect-gateway</c>/<c>dhcp-option</c>) to the TUN
/// interface, as OpenVPN's tun.c/route.c do (openvpn-protocol.md §10.6, §13):
/// <code>
///  topology net30/p2p  ifconfig LOCAL PEER      -> ip addr add local LOCAL peer PEER; routes default via PEER
///  topology subnet     ifconfig LOCAL NETMASK   -> ip addr add LOCAL/len; routes default via route-gateway
///  redirect-gateway def1                        -> host route to the server via today's path, 0/1 + 128/1 into the tunnel
///  dhcp-option DNS/DOMAIN                       -> resolvconf / resolved when present, else a log line
///  ifconfig-ipv6 ADDR/BITS REMOTE, route-ipv6  -> ip -6 addr add ADDR/BITS; routes on the device (config's, then pushed)
///  redirect-gateway ipv6                        -> ::/3 2000::/4 3000::/4 fc00::/7 into the tunnel (with block-ipv6
///                                                  also without an IPv6 address: the TUN reader answers "no route")
/// </code>
/// Everything added is removed by <see cref="Dispose"/> (NetworkConfigurator keeps the undo list).
/// </summary>
internal sealed class TunnelNetwork : IDisposable
{
    private readonly NetworkConfigurator _net;
    private readonly OpenVpnLog _log;

    public TunnelNetwork(string device, OpenVpnLog log)
    {
        _log = log;
        _net = new NetworkConfigurator(device, log: line => log.Write(LogLevel.Info, line));
    }

    /// <summary>The local tunnel address that was configured.</summary>
    public IPAddress? LocalAddress { get; private set; }

    /// <summary>The address and routes this applied (to compare on reconnect with persist-tun).</summary>
    public string? Signature { get; private set; }

    public void Apply(ClientConfig config, PushReplyOptions push, IPAddress serverAddress, int tunMtu)
    {
        Topology topology = push.Topology ?? config.Tun.Topology;
        IfconfigSettings ifconfig = push.Ifconfig ?? config.Tun.Ifconfig
            ?? throw new InvalidOperationException("The server pushed no 'ifconfig' and the config has none: cannot address the tunnel.");
        string dev = _net.Device;

        _net.SetMtu(tunMtu);
        _log.Write(LogLevel.Details, $"net_iface_mtu_set: mtu {tunMtu.ToString(CultureInfo.InvariantCulture)} for {dev}");
        _net.Up();
        _log.Write(LogLevel.Details, $"net_iface_up: set {dev} up");

        IPAddress? defaultGateway;
        if (topology == Topology.Subnet)
        {
            int prefix = Ipv4.PrefixLength(Ipv4.ToUInt32(ifconfig.RemoteOrNetmask));
            _net.SetAddress(ifconfig.Local, prefix);
            _log.Write(LogLevel.Details, $"net_addr_v4_add: {ifconfig.Local}/{prefix.ToString(CultureInfo.InvariantCulture)} dev {dev}");
            defaultGateway = push.RouteGateway ?? config.Tun.RouteGateway;
        }
        else
        {
            _net.SetPointToPointAddress(ifconfig.Local, ifconfig.RemoteOrNetmask);
            _log.Write(LogLevel.Details, $"net_addr_ptp_v4_add: {ifconfig.Local} peer {ifconfig.RemoteOrNetmask} dev {dev}");
            defaultGateway = push.RouteGateway ?? config.Tun.RouteGateway ?? ifconfig.RemoteOrNetmask;
        }

        LocalAddress = ifconfig.Local;
        int? metric = push.RouteMetric ?? config.Tun.RouteMetric;

        RedirectGateway? redirect = push.RedirectGateway ?? config.Tun.RedirectGateway;
        if (redirect is { Ipv4: true } && !redirect.IsPrivate)
        {
            if (!redirect.Def1)
            {
                _log.Write(LogLevel.Info, "redirect-gateway without def1: applied as def1 (0.0.0.0/1 + 128.0.0.0/1), the default route itself is left alone");
            }

            _net.RedirectGatewayDef1(serverAddress, defaultGateway);
            _log.Write(LogLevel.Details, $"redirect-gateway def1: {serverAddress} kept outside the tunnel; 0.0.0.0/1 and 128.0.0.0/1 via {(defaultGateway?.ToString() ?? dev)}");
        }

        foreach (Route route in config.Tun.Routes.Concat(push.Routes))
        {
            IPAddress? gateway = ResolveGateway(route.Gateway, defaultGateway);
            if (route.Gateway == "net_gateway")
            {
                RouteInfo current = _net.GetRoute(route.Network);
                _net.AddRouteOn(new IPNetwork(route.Network, route.PrefixLength), current.Gateway, current.Device, route.Metric ?? metric);
                continue;
            }

            var network = new IPNetwork(route.Network, route.PrefixLength);
            _net.AddRoute(network, gateway, route.Metric ?? metric);
            _log.Write(LogLevel.Details,
                $"net_route_v4_add: {network} via {(gateway?.ToString() ?? "(on-link)")} dev {dev} metric {(route.Metric ?? metric ?? -1).ToString(CultureInfo.InvariantCulture)}");
        }

        ApplyIpv6(push, config.Tun.RoutesIpv6, config.Tun.BlockIpv6, redirect, serverAddress, metric);

        // OpenVPN 2.6's dns servers and search domains replace dhcp-option DNS/DNS6/DOMAIN-SEARCH (as for its scripts).
        IReadOnlyList<DhcpOption> dhcp = config.Dns.WithPulled(push.Dns).AsDhcpOptions(push.DhcpOptions.Count > 0 ? push.DhcpOptions : config.Tun.DhcpOptions);
        var dns = new List<IPAddress>();
        var domains = new List<string>();
        foreach (DhcpOption option in dhcp)
        {
            if (option.Type is "DNS" && IPAddress.TryParse(option.Value, out IPAddress? server))
            {
                dns.Add(server);
            }
            else if (option.Type is "DNS6" && IPAddress.TryParse(option.Value, out IPAddress? server6))
            {
                // An IPv6 name server is reached through the tunnel only when the tunnel carries IPv6.
                if (push.IfconfigIpv6 is not null)
                {
                    dns.Add(server6);
                }
                else
                {
                    _log.Write(LogLevel.Info, $"dhcp-option DNS6 {server6} not applied: the server pushed no 'ifconfig-ipv6', so the tunnel carries no IPv6");
                }
            }
            else if (option.Type is "DOMAIN" or "DOMAIN-SEARCH" && option.Value is { Length: > 0 } domain)
            {
                domains.Add(domain);
            }
        }

        if (dns.Count > 0 || domains.Count > 0)
        {
            _log.Write(LogLevel.Info, _net.ApplyDns(dns, domains));
        }

        Signature = SignatureOf(config, push);
    }

    /// <summary>
    /// A dual-stack server's <c>ifconfig-ipv6</c> and <c>route-ipv6</c>: the address with its prefix on the device and
    /// each route on the device, as OpenVPN does for a tun device on Linux (a gateway is not needed on a
    /// point-to-point link; a pushed one is logged and not used). IPv6 routes without an IPv6 address are skipped: the
    /// kernel would have no source address for them. <c>redirect-gateway ipv6</c>: see
    /// <see cref="NetworkConfigurator.RedirectGatewayIpv6"/>.
    /// </summary>
    private void ApplyIpv6(PushReplyOptions push, IReadOnlyList<RouteIpv6> configRoutes, bool blockIpv6, RedirectGateway? redirect, IPAddress serverAddress, int? metric)
    {
        string dev = _net.Device;
        if (push.IfconfigIpv6 is not { } v6)
        {
            if ((push.BlockIpv6 || blockIpv6) && redirect is { Ipv6: true, IsPrivate: false })
            {
                // An IPv4 tunnel that keeps IPv6 from leaking around it: all IPv6 goes to the tun device (no address
                // needed for that), where the TUN reader answers each packet with ICMPv6 "no route" (block-ipv6).
                _net.RedirectGatewayIpv6(serverAddress, metric);
                _log.Write(LogLevel.Details, $"redirect-gateway ipv6 (block-ipv6, no IPv6 in the tunnel): {string.Join(", ", NetworkConfigurator.RedirectIpv6Prefixes)} dev {dev}");
            }

            if (push.RoutesIpv6.Count + configRoutes.Count > 0)
            {
                _log.Write(LogLevel.Info, $"WARNING: {(push.RoutesIpv6.Count + configRoutes.Count).ToString(CultureInfo.InvariantCulture)} 'route-ipv6' line(s) (config and pushed) but the server pushed no 'ifconfig-ipv6': IPv6 routes not installed");
            }
            return;
        }

        _net.SetAddress(v6.Local, v6.PrefixLength);
        _log.Write(LogLevel.Details, $"net_addr_v6_add: {v6.Local}/{v6.PrefixLength.ToString(CultureInfo.InvariantCulture)} dev {dev}");
        // The config's own route-ipv6 lines first, then the pushed ones, as OpenVPN merges them.
        foreach (RouteIpv6 route in configRoutes.Concat(push.RoutesIpv6))
        {
            _net.AddRoute(route.Network, null, route.Metric ?? metric);
            _log.Write(LogLevel.Details,
                $"net_route_v6_add: {route.Network} dev {dev} metric {(route.Metric ?? metric ?? -1).ToString(CultureInfo.InvariantCulture)}"
                + (route.Gateway is { } gw ? $" (gateway {gw} not needed on a tun device)" : string.Empty));
        }

        if (redirect is { Ipv6: true, IsPrivate: false })
        {
            _net.RedirectGatewayIpv6(serverAddress, metric);
            _log.Write(LogLevel.Details, $"redirect-gateway ipv6: {string.Join(", ", NetworkConfigurator.RedirectIpv6Prefixes)} dev {dev}");
        }
    }

    /// <summary>What identifies a tunnel configuration: same signature after a reconnect = keep the TUN as it is.</summary>
    public static string SignatureOf(ClientConfig config, PushReplyOptions push)
    {
        IfconfigSettings? ifconfig = push.Ifconfig ?? config.Tun.Ifconfig;
        // The topology as its number: formatting an enum by name reads reflection metadata under Native AOT, the
        // first time ~0.1 ms on the way to "Initialization Sequence Completed".
        return $"{(int)(push.Topology ?? config.Tun.Topology)}|{ifconfig?.Local}|{ifconfig?.RemoteOrNetmask}|"
            + $"{string.Join(';', push.Routes.Select(r => r.ToOptionString()))}|{push.RouteGateway}|"
            + $"{((push.RedirectGateway ?? config.Tun.RedirectGateway) is { } r ? $"{r.IsPrivate}:{string.Join(' ', r.Flags)}" : null)}|{push.TunMtu}|"
            + $"{push.IfconfigIpv6}|{string.Join(';', push.RoutesIpv6)}|{push.BlockIpv6}";
    }

    private static IPAddress? ResolveGateway(string? gateway, IPAddress? defaultGateway) => gateway switch
    {
        null or "vpn_gateway" => defaultGateway,
        _ when IPAddress.TryParse(gateway, out IPAddress? address) => address,
        _ => defaultGateway,
    };

    public void Dispose() => _net.Dispose();
}
