using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SharpVpn.Config;

/// <summary>
/// Parses PUSH_REPLY option lists strictly (security.md lines 7-8): only allow-listed options, each
/// with exact argument counts and validated values (IPv4 addresses, numbers in range, known
/// keywords). An invalid option is dropped and reported, never repaired; nothing from the network
/// is passed on as free text except the auth token.
/// Message layout (push.c <c>send_push_reply</c>): <c>PUSH_REPLY,opt1 args,opt2 args,...</c>
/// optionally ending with <c>,push-continuation 2</c> (more follow) or <c>1</c> (last).
/// Options are split on ',' and tokenized like a config line (options_parse.c <c>apply_push_options</c>);
/// pull-filters see the option text after leading whitespace (<c>apply_pull_filter</c>, prefix match).
/// </summary>
public static class PushedOptionParser
{
    /// <summary>OpenVPN's default --max-routes.</summary>
    public const int MaxRoutes = 100;

    private const string Source = "[PUSH-OPTIONS]";

    /// <summary>Options route-nopull blocks: OPT_P_ROUTE and OPT_P_DHCPDNS (init.c pull_permission_mask); route-gateway stays.</summary>
    private static readonly HashSet<string> RouteOptions = new(StringComparer.Ordinal)
    {
        "route", "route-ipv6", "redirect-gateway", "redirect-private", "dhcp-option", "block-outside-dns", "route-metric", "block-ipv6", "dns",
    };

    private static readonly HashSet<string> NotedOptions = new(StringComparer.Ordinal)
    {
        "tun-ipv6", "register-dns", "setenv", "setenv-safe", "echo",
        "route-delay", "sndbuf", "rcvbuf", "socket-flags", "ping-timer-rem", "persist-tun", "persist-key", "dhcp-renew", "dhcp-release",
    };

    private static readonly HashSet<string> KnownProtocolFlags = new(StringComparer.Ordinal)
    {
        "cc-exit", "tls-ekm", "dyn-tls-crypt", "aead-epoch",
    };

    /// <summary>Parse one PUSH_REPLY message (with or without the "PUSH_REPLY" prefix).</summary>
    public static PushReplyOptions Parse(string message, IReadOnlyList<PullFilter>? filters = null, bool routeNoPull = false) =>
        Parse([message], filters, routeNoPull);

    /// <summary>Parse the messages of one push (continuations in order) into one result.</summary>
    public static PushReplyOptions Parse(IEnumerable<string> messages, IReadOnlyList<PullFilter>? filters = null, bool routeNoPull = false)
    {
        var b = new Builder();
        int index = 0;
        foreach (string raw in messages)
        {
            string body = raw.TrimEnd('\0');
            if (body.StartsWith("PUSH_REPLY", StringComparison.Ordinal))
            {
                body = body["PUSH_REPLY".Length..];
            }

            foreach (string part in body.Split(','))
            {
                index++;
                string option = part.TrimStart(' ', '\t', '\r', '\n', '\v', '\f');
                if (option.Length == 0)
                {
                    continue;
                }

                PullFilterAction action = Filter(filters, option);
                if (action == PullFilterAction.Reject)
                {
                    b.RejectedByFilter = option;
                    return b.Build();
                }

                if (action == PullFilterAction.Ignore)
                {
                    b.FilteredOut.Add(option);
                    continue;
                }

                ApplyOne(b, option, index, routeNoPull);
            }
        }

        return b.Build();
    }

    private static PullFilterAction Filter(IReadOnlyList<PullFilter>? filters, string option)
    {
        if (filters is null)
        {
            return PullFilterAction.Accept;
        }

        foreach (PullFilter f in filters)
        {
            if (option.StartsWith(f.Text, StringComparison.Ordinal))
            {
                return f.Action;
            }
        }

        return PullFilterAction.Accept;
    }

    private static void ApplyOne(Builder b, string option, int index, bool routeNoPull)
    {
        ConfigLine line;
        try
        {
            List<string> tokens = ConfigTokenizer.TokenizeLine(option, Source, index);
            if (tokens.Count == 0)
            {
                return;
            }

            line = new ConfigLine(Source, index, tokens[0], tokens.GetRange(1, tokens.Count - 1));
        }
        catch (ConfigException ex)
        {
            b.Dropped.Add(new RejectedPushOption(option, ex.Detail));
            return;
        }

        if (routeNoPull && RouteOptions.Contains(line.Name))
        {
            b.FilteredOut.Add(option);
            return;
        }

        if (NotedOptions.Contains(line.Name))
        {
            b.Notes.Add($"pushed option '{option}' is accepted and ignored (not supported by SharpVPN on this platform)");
            return;
        }

        try
        {
            string? reason = ApplyKnown(b, line);
            if (reason is not null)
            {
                b.Dropped.Add(new RejectedPushOption(option, reason));
            }
        }
        catch (ConfigException ex)
        {
            b.Dropped.Add(new RejectedPushOption(option, ex.Detail));
        }
    }

    /// <summary>Applies an allow-listed option; returns a reason when it is rejected. Validators throw ConfigException.</summary>
    private static string? ApplyKnown(Builder b, ConfigLine l)
    {
        switch (l.Name)
        {
            case "route":
                Args(l, 1, 4);
                if (b.Routes.Count >= MaxRoutes)
                {
                    return $"more than {MaxRoutes} routes pushed";
                }

                b.Routes.Add(NetworkOptions.ParseRoute(l));
                return null;
            case "route-gateway":
                Args(l, 1, 1);
                b.RouteGateway = Ipv4.ToAddress(ParseState.Address(l, 0));
                return null;
            case "route-metric":
                Args(l, 1, 1);
                b.RouteMetric = ParseState.Int(l, 0, 0, 255);
                return null;
            case "topology":
                Args(l, 1, 1);
                b.Topology = ParseState.Keyword(l, 0, new Dictionary<string, Topology>
                {
                    ["net30"] = Config.Topology.Net30,
                    ["p2p"] = Config.Topology.P2p,
                    ["subnet"] = Config.Topology.Subnet,
                });
                return null;
            case "ifconfig":
                Args(l, 2, 2);
                uint local = ParseState.Address(l, 0);
                uint second = ParseState.Address(l, 1);
                if (!IsUsableHost(local))
                {
                    return $"'{l.Arg(0)}' is not a usable tunnel address";
                }

                b.Ifconfig = (new IfconfigSettings(Ipv4.ToAddress(local), Ipv4.ToAddress(second)), l);
                return null;
            case "dhcp-option":
                Args(l, 1, 3);
                b.DhcpOptions.Add(NetworkOptions.ParseDhcpOption(l));
                return null;
            case "dns":
                Args(l, 2, 15);
                b.Dns.Apply(l, pulled: true);
                return null;
            case "redirect-gateway":
            case "redirect-private":
                Args(l, 0, 8);
                b.RedirectGateway = NetworkOptions.ParseRedirect(l, l.Name == "redirect-private");
                return null;
            case "block-outside-dns":
                Args(l, 0, 0);
                b.BlockOutsideDns = true;
                b.Notes.Add("pushed option 'block-outside-dns' is Windows-only and has no effect here");
                return null;
            case "block-ipv6":
                Args(l, 0, 0);
                b.BlockIpv6 = true;
                return null;
            case "ifconfig-ipv6":
                Args(l, 2, 2);
                return ParseIfconfigIpv6(b, l);
            case "route-ipv6":
                Args(l, 1, 3);
                if (b.RoutesIpv6.Count >= MaxRoutes)
                {
                    return $"more than {MaxRoutes} IPv6 routes pushed";
                }

                return ParseRouteIpv6(b, l);
            case "ping":
                Args(l, 1, 1);
                b.Ping = ParseState.Int(l, 0, 0, 86400);
                return null;
            case "ping-restart":
                // ping-restart and ping-exit are one timer in OpenVPN (ping_rec_timeout and its action): the last wins.
                Args(l, 1, 1);
                b.PingRestart = ParseState.Int(l, 0, 0, 86400);
                b.PingExit = null;
                return null;
            case "ping-exit":
                Args(l, 1, 1);
                b.PingExit = ParseState.Int(l, 0, 0, 86400);
                b.PingRestart = null;
                return null;
            case "inactive":
                // OPT_P_TIMER: a server may push it (e.g. push "inactive 3600").
                Args(l, 1, 2);
                b.Inactive = (ParseState.Int(l, 0, 0, 86400 * 365),
                    l.ArgCount > 1 ? Math.Max(0, ParseState.Int(l, 1, int.MinValue, int.MaxValue)) : 0);
                return null;
            case "session-timeout":
                Args(l, 1, 1);
                b.SessionTimeout = ParseState.Int(l, 0, 0, 86400 * 365);
                return null;
            case "peer-id":
                Args(l, 1, 1);
                b.PeerId = ParseState.Int(l, 0, 0, 0xFFFFFE);
                return null;
            case "cipher":
                Args(l, 1, 1);
                b.Cipher = CryptoOptions.CanonicalCipher(l, l.Arg(0), allowBlowfish: false);
                return null;
            case "auth":
                Args(l, 1, 1);
                string digest = l.Arg(0).ToUpperInvariant();
                if (!CryptoOptions.DigestNames.Contains(digest) && digest != "NONE")
                {
                    return $"'{l.Arg(0)}' is not a supported digest";
                }

                b.Auth = digest == "NONE" ? "none" : digest;
                return null;
            case "compress":
                Args(l, 0, 1);
                b.Compression = (l.OptionalArg(0) ?? "stub") switch
                {
                    "stub" => CompressionMode.Stub,
                    "stub-v2" => CompressionMode.StubV2,
                    "lzo" => CompressionMode.Lzo,
                    "lz4" => CompressionMode.Lz4,
                    "lz4-v2" => CompressionMode.Lz4V2,
                    _ => throw l.Error($"'{l.Arg(0)}' is not stub|stub-v2|lzo|lz4|lz4-v2"),
                };
                return null;
            case "comp-lzo":
                Args(l, 0, 1);
                b.Compression = (l.OptionalArg(0) ?? "adaptive") switch
                {
                    "yes" or "adaptive" => CompressionMode.Lzo,
                    "no" => CompressionMode.LzoNo,
                    _ => throw l.Error($"'{l.Arg(0)}' is not yes|no|adaptive"),
                };
                return null;
            case "tun-mtu":
                Args(l, 1, 1);
                b.TunMtu = ParseState.Int(l, 0, 576, 65535);
                return null;
            case "key-derivation":
                Args(l, 1, 1);
                if (l.Arg(0) != "tls-ekm")
                {
                    return $"'{l.Arg(0)}' is not 'tls-ekm'";
                }

                b.KeyDerivationTlsEkm = true;
                return null;
            case "protocol-flags":
                Args(l, 1, 16);
                foreach (string flag in l.Args)
                {
                    if (KnownProtocolFlags.Contains(flag))
                    {
                        b.ProtocolFlags.Add(flag);
                        b.KeyDerivationTlsEkm |= flag == "tls-ekm";
                    }
                    else
                    {
                        // push.c: unknown protocol flags are ignored with a warning.
                        b.Notes.Add($"unknown protocol flag '{flag}' is ignored");
                    }
                }

                return null;
            case "explicit-exit-notify":
                Args(l, 0, 1);
                b.ExplicitExitNotify = l.ArgCount > 0 ? ParseState.Int(l, 0, 0, 100) : 1;
                return null;
            case "auth-token":
                Args(l, 1, 1);
                if (l.Arg(0).Length > 1024 || !l.Arg(0).All(c => c is > ' ' and < (char)127))
                {
                    return "the token is longer than 1024 characters or not printable ASCII";
                }

                b.AuthToken = l.Arg(0);
                return null;
            case "auth-token-user":
                Args(l, 1, 1);
                try
                {
                    string user = Encoding.UTF8.GetString(Convert.FromBase64String(l.Arg(0)));
                    if (user.Length is 0 or > 256 || user.Any(char.IsControl))
                    {
                        return "the user name is empty, too long or has control characters";
                    }

                    b.AuthTokenUser = user;
                }
                catch (FormatException)
                {
                    return $"'{l.Arg(0)}' is not base64";
                }

                return null;
            case "push-continuation":
                Args(l, 1, 1);
                b.PushContinuation = ParseState.Int(l, 0, 1, 2);
                return null;
            default:
                return $"option '{l.Name}' is not accepted from a server";
        }
    }

    private static void Args(ConfigLine l, int min, int max)
    {
        if (l.ArgCount < min || l.ArgCount > max)
        {
            throw l.Error(min == max
                ? $"expects {min} argument(s), got {l.ArgCount}"
                : $"expects {min} to {max} arguments, got {l.ArgCount}");
        }
    }

    private static string? ParseIfconfigIpv6(Builder b, ConfigLine l)
    {
        if (!TryParseIpv6WithPrefix(l.Arg(0), out IPAddress? local, out int prefix))
        {
            return $"'{l.Arg(0)}' is not an IPv6 address with a prefix length (ADDR/BITS)";
        }
        if (!IPAddress.TryParse(l.Arg(1), out IPAddress? remote) || remote.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return $"'{l.Arg(1)}' is not an IPv6 address";
        }
        if (local.IsIPv6Multicast || local.Equals(IPAddress.IPv6Any) || local.Equals(IPAddress.IPv6Loopback) || prefix is < 64 or > 128)
        {
            return $"'{l.Arg(0)}' is not a usable tunnel address (unicast, prefix /64 to /128)";
        }
        b.IfconfigIpv6 = new IfconfigIpv6Settings(local, prefix, remote);
        return null;
    }

    private static string? ParseRouteIpv6(Builder b, ConfigLine l)
    {
        if (!TryParseIpv6WithPrefix(l.Arg(0), out IPAddress? address, out int bits) || bits > 128
            || !IPNetwork.TryParse(l.Arg(0), out IPNetwork network) || !network.BaseAddress.Equals(address))
        {
            return $"'{l.Arg(0)}' is not an IPv6 network (NET/BITS, host bits zero)";
        }
        IPAddress? gateway = null;
        if (l.Args.Count > 1 && l.Arg(1) != "default")
        {
            if (!IPAddress.TryParse(l.Arg(1), out gateway) || gateway.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return $"'{l.Arg(1)}' is not an IPv6 gateway";
            }
        }
        int? metric = l.Args.Count > 2 ? ParseState.Int(l, 2, 0, 65535) : null;
        b.RoutesIpv6.Add(new RouteIpv6(network, gateway, metric));
        return null;
    }

    private static bool TryParseIpv6WithPrefix(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out IPAddress? address, out int prefix)
    {
        address = null;
        prefix = 0;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0
            && IPAddress.TryParse(text.AsSpan(0, slash), out address)
            && address.AddressFamily == AddressFamily.InterNetworkV6
            && int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix);
    }

    private static bool IsUsableHost(uint a) =>
        a != 0 && a != uint.MaxValue && (a >> 24) != 127 && (a >> 28) != 0xE && (a >> 24) != 0;

    private sealed class Builder
    {
        public List<Route> Routes { get; } = [];
        public IPAddress? RouteGateway;
        public int? RouteMetric;
        public Topology? Topology;
        public (IfconfigSettings Settings, ConfigLine Line)? Ifconfig;
        public List<DhcpOption> DhcpOptions { get; } = [];
        public DnsOption.Builder Dns { get; } = new();
        public RedirectGateway? RedirectGateway;
        public int? Ping;
        public int? PingRestart;
        public int? PingExit;
        public (int Seconds, long MinimumBytes)? Inactive;
        public int? SessionTimeout;
        public int? PeerId;
        public string? Cipher;
        public string? Auth;
        public CompressionMode? Compression;
        public int? TunMtu;
        public bool KeyDerivationTlsEkm;
        public List<string> ProtocolFlags { get; } = [];
        public int? ExplicitExitNotify;
        public string? AuthToken;
        public string? AuthTokenUser;
        public bool BlockIpv6;
        public IfconfigIpv6Settings? IfconfigIpv6;
        public List<RouteIpv6> RoutesIpv6 { get; } = [];
        public bool BlockOutsideDns;
        public int? PushContinuation;
        public List<RejectedPushOption> Dropped { get; } = [];
        public List<string> FilteredOut { get; } = [];
        public List<string> Notes { get; } = [];
        public string? RejectedByFilter;

        public PushReplyOptions Build()
        {
            IfconfigSettings? ifconfig = Ifconfig?.Settings;

            // With subnet topology the second ifconfig address is a netmask; anything else is invalid.
            if (ifconfig is not null && Topology == Config.Topology.Subnet && !Ipv4.IsNetmask(Ipv4.ToUInt32(ifconfig.RemoteOrNetmask)))
            {
                Dropped.Add(new RejectedPushOption($"ifconfig {ifconfig.Local} {ifconfig.RemoteOrNetmask}",
                    $"'{ifconfig.RemoteOrNetmask}' is not a netmask, but the topology is subnet"));
                ifconfig = null;
            }

            DnsSettings dns = Dns.Build(out string? dnsError);
            if (dnsError is not null)
            {
                // dns_options_verify at D_PUSH_ERRORS: the pushed dns options are not used.
                Dropped.Add(new RejectedPushOption("dns", dnsError));
                dns = DnsSettings.None;
            }

            return new PushReplyOptions
            {
                Dns = dns,
                Routes = Routes,
                RouteGateway = RouteGateway,
                RouteMetric = RouteMetric,
                Topology = Topology,
                Ifconfig = ifconfig,
                DhcpOptions = DhcpOptions,
                RedirectGateway = RedirectGateway,
                PingSeconds = Ping,
                PingRestartSeconds = PingRestart,
                PingExitSeconds = PingExit,
                Inactive = Inactive,
                SessionTimeoutSeconds = SessionTimeout,
                PeerId = PeerId,
                Cipher = Cipher,
                Auth = Auth,
                Compression = Compression,
                TunMtu = TunMtu,
                KeyDerivationTlsEkm = KeyDerivationTlsEkm,
                ProtocolFlags = ProtocolFlags,
                ExplicitExitNotify = ExplicitExitNotify,
                AuthToken = AuthToken,
                AuthTokenUser = AuthTokenUser,
                BlockIpv6 = BlockIpv6,
                IfconfigIpv6 = IfconfigIpv6,
                RoutesIpv6 = RoutesIpv6,
                BlockOutsideDns = BlockOutsideDns,
                PushContinuation = PushContinuation,
                Dropped = Dropped,
                FilteredOut = FilteredOut,
                Notes = Notes,
                RejectedByFilter = RejectedByFilter,
            };
        }
    }
}
