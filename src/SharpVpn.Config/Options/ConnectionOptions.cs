namespace SharpVpn.Config;

/// <summary>Where to connect or listen, the device and the addressing (OpenVPN options.c "connection" and "tun" groups).</summary>
internal static class ConnectionOptions
{
    /// <summary>proto values: transport, address family, and the TCP role (null = taken from client/server).</summary>
    internal static readonly IReadOnlyDictionary<string, (TransportProtocol Protocol, AddressFamilyPreference Family, bool? ServerRole)> Protocols =
        new Dictionary<string, (TransportProtocol, AddressFamilyPreference, bool?)>(StringComparer.Ordinal)
        {
            ["udp"] = (TransportProtocol.Udp, AddressFamilyPreference.Any, null),
            ["udp4"] = (TransportProtocol.Udp, AddressFamilyPreference.IPv4, null),
            ["udp6"] = (TransportProtocol.Udp, AddressFamilyPreference.IPv6, null),
            ["tcp"] = (TransportProtocol.Tcp, AddressFamilyPreference.Any, null),
            ["tcp4"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv4, null),
            ["tcp6"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv6, null),
            ["tcp-client"] = (TransportProtocol.Tcp, AddressFamilyPreference.Any, false),
            ["tcp4-client"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv4, false),
            ["tcp6-client"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv6, false),
            ["tcp-server"] = (TransportProtocol.Tcp, AddressFamilyPreference.Any, true),
            ["tcp4-server"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv4, true),
            ["tcp6-server"] = (TransportProtocol.Tcp, AddressFamilyPreference.IPv6, true),
        };

    private static readonly Dictionary<string, Topology> Topologies = new(StringComparer.Ordinal)
    {
        ["net30"] = Topology.Net30,
        ["p2p"] = Topology.P2p,
        ["subnet"] = Topology.Subnet,
    };

    public static readonly OptionDefinition[] Definitions =
    [
        new("client", 0, 0, static (s, l) => s.ClientLine = l,
            "client mode: pull options from the server, act as TLS client", OptionScope.Client),
        new("mode", 1, 1, static (s, l) =>
            {
                s.ModeServer = ParseState.Keyword(l, 0, new Dictionary<string, bool> { ["server"] = true, ["p2p"] = false });
                if (!s.ModeServer)
                {
                    throw l.Error("'p2p' (point-to-point static mode) is not supported by SharpVPN; use a client/server config");
                }
            }, "mode server: multi-client server (set by 'server')", OptionScope.Server),
        new("remote", 1, 3, static (s, l) =>
            {
                int? port = l.ArgCount > 1 ? ParseState.PortNumber(l, 1) : null;
                TransportProtocol? protocol = null;
                var family = AddressFamilyPreference.Any;
                if (l.ArgCount > 2)
                {
                    var p = ParseState.Keyword(l, 2, Protocols);
                    if (p.ServerRole == true)
                    {
                        throw l.Error($"'{l.Arg(2)}' is a server protocol and cannot be used for a remote");
                    }

                    protocol = p.Protocol;
                    family = p.Family;
                }

                s.Remotes.Add((l, l.Arg(0), port, protocol, family));
            }, "remote HOST [PORT] [PROTO]: a server to connect to (repeatable)", OptionScope.Client),
        new("connection", 0, 16, static (_, l) => throw l.Error("must be an inline block: <connection> remote HOST PORT ... </connection>"),
            "<connection> ... </connection>: one server with its own connection options (repeatable)", OptionScope.Client, AllowsInline: true),
        new("remote-random", 0, 0, static (s, _) => s.RemoteRandom = true, "try the remotes in random order", OptionScope.Client),
        new("proto", 1, 1, static (s, l) =>
            {
                var p = ParseState.Keyword(l, 0, Protocols);
                s.Protocol = p.Protocol;
                s.Family = p.Family;
                s.ProtoIsServerRole = p.ServerRole;
                s.ProtoLine = l;
            }, "proto udp|tcp|tcp-client|tcp-server|udp4|udp6|tcp4|tcp6"),
        new("port", 1, 1, static (s, l) =>
            {
                int port = ParseState.PortNumber(l, 0);
                s.Port = port;
            }, "port N: local and remote port (default 1194)"),
        new("lport", 1, 1, static (s, l) => s.LocalPort = ParseState.PortNumber(l, 0, allowZero: true), "lport N: local port"),
        new("rport", 1, 1, static (s, l) => s.RemotePort = ParseState.PortNumber(l, 0), "rport N: remote port", OptionScope.Client),
        new("local", 1, 1, static (s, l) => s.Local = l.Arg(0), "local ADDRESS: bind to this local address"),
        new("nobind", 0, 0, static (s, _) => s.Nobind = true, "do not bind to a local port", OptionScope.Client),
        new("bind", 0, 1, static (s, l) =>
            {
                if (l.ArgCount == 1 && l.Arg(0) != "ipv6only")
                {
                    throw l.Error($"'{l.Arg(0)}' is not 'ipv6only'");
                }

                s.BindDefined = true;
            }, "bind [ipv6only]: bind to the local port (default for servers)"),
        new("resolv-retry", 1, 1, static (s, l) =>
            s.ResolvRetrySeconds = l.Arg(0) == "infinite" ? null : ParseState.Int(l, 0, 0, int.MaxValue),
            "resolv-retry N|infinite: how long to retry a failing DNS lookup", OptionScope.Client),
        new("connect-retry", 1, 2, static (s, l) =>
            {
                s.ConnectRetrySeconds = ParseState.Int(l, 0, 0, 86400);
                if (l.ArgCount > 1)
                {
                    s.ConnectRetryMaxSeconds = ParseState.Int(l, 1, 1, 86400);
                }
            }, "connect-retry N [MAX]: back-off between connection attempts", OptionScope.Client),
        new("connect-retry-max", 1, 1, static (s, l) => s.ConnectRetryAttempts = ParseState.Int(l, 0, 1, int.MaxValue),
            "connect-retry-max N: give up after N attempts", OptionScope.Client),
        new("server-poll-timeout", 1, 1, static (s, l) => s.ServerPollTimeoutSeconds = ParseState.Int(l, 0, 1, 86400),
            "server-poll-timeout N: seconds to wait for a server before trying the next", OptionScope.Client),
        new("connect-timeout", 1, 1, static (s, l) => s.ServerPollTimeoutSeconds = ParseState.Int(l, 0, 1, 86400),
            "connect-timeout N: old name of server-poll-timeout", OptionScope.Client),
        new("float", 0, 0, static (s, _) => s.Float = true, "accept packets from a changed peer address once they authenticate"),
        new("dev", 1, 1, static (s, l) =>
            {
                string dev = l.Arg(0);
                if (dev.StartsWith("tap", StringComparison.Ordinal))
                {
                    throw l.Error($"'{dev}' (layer-2 tap device) is not supported by SharpVPN; use 'dev tun'");
                }

                if (dev == "null")
                {
                    throw l.Error("'null' is not supported by SharpVPN; use 'dev tun'");
                }

                if (dev.Length > 15 || dev.Contains('/', StringComparison.Ordinal))
                {
                    throw l.Error($"'{dev}' is not a valid interface name (at most 15 characters, no '/')");
                }

                s.Dev = dev;
                s.DevLine = l;
            }, "dev tun|tunN|NAME: the virtual device (tun only)"),
        new("dev-type", 1, 1, static (s, l) =>
            {
                s.DevType = ParseState.Keyword(l, 0, new Dictionary<string, string> { ["tun"] = "tun", ["tap"] = "tap" });
                if (s.DevType == "tap")
                {
                    throw l.Error("'tap' (layer-2 device) is not supported by SharpVPN; use 'dev-type tun'");
                }
            }, "dev-type tun: device type when the dev name does not start with tun"),
        new("topology", 1, 1, static (s, l) => s.Topology = ParseState.Keyword(l, 0, Topologies),
            "topology net30|p2p|subnet (default net30)"),
        new("server", 2, 3, static (s, l) =>
            {
                uint network = ParseState.Address(l, 0);
                uint mask = ParseState.Netmask(l, 1);
                if ((network & ~mask) != 0)
                {
                    throw l.Error($"network {l.Arg(0)} has host bits set for netmask {l.Arg(1)}");
                }

                bool noPool = false;
                if (l.ArgCount == 3)
                {
                    if (l.Arg(2) != "nopool")
                    {
                        throw l.Error($"'{l.Arg(2)}' is not 'nopool'");
                    }

                    noPool = true;
                }

                s.Server = (network, mask, noPool, l);
            }, "server NETWORK NETMASK [nopool]: server mode with an address pool in this network", OptionScope.Server),
        new("ifconfig-pool", 2, 3, static (s, l) =>
            {
                uint start = ParseState.Address(l, 0);
                uint end = ParseState.Address(l, 1);
                if (end < start || end - start >= 65536)
                {
                    throw l.Error($"pool {l.Arg(0)}-{l.Arg(1)} is empty or larger than 65536 addresses");
                }

                uint? mask = l.ArgCount > 2 ? ParseState.Netmask(l, 2) : null;
                s.IfconfigPool = (start, end, mask, l);
            }, "ifconfig-pool START END [NETMASK]: explicit client address pool", OptionScope.Server),
        new("ifconfig", 2, 2, static (s, l) => s.Ifconfig = (ParseState.Address(l, 0), ParseState.Address(l, 1), l),
            "ifconfig LOCAL REMOTE|NETMASK: the tun device's own address"),
    ];
}
