using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Config;

/// <summary>
/// OpenVPN 2.6's <c>dns</c> option (options.c, dns.c), in a client config and pushed:
/// <c>dns search-domains DOMAIN...</c>, <c>dns server N address ADDR[:PORT]|[ADDR6]:PORT...</c> (at most 8),
/// <c>dns server N resolve-domains DOMAIN...</c>, <c>dns server N dnssec yes|no|optional</c>,
/// <c>dns server N transport plain|DoH|DoT</c>, <c>dns server N sni NAME</c>. Priorities -128..127 in a config, 0..127
/// when pushed; every server needs an address (dns_options_verify).
/// </summary>
internal static class DnsOption
{
    private const int MaxAddresses = 8;

    public static readonly OptionDefinition Definition = new("dns", 2, 15, static (s, l) => s.Dns.Apply(l, pulled: false),
        "dns search-domains D... | dns server N address|resolve-domains|dnssec|transport|sni ...: DNS for the tunnel (OpenVPN 2.6)",
        OptionScope.Client);

    /// <summary>The dns lines of one config or one push, collected in order.</summary>
    internal sealed class Builder
    {
        private readonly List<string> _searchDomains = [];
        private readonly SortedDictionary<int, ServerBuilder> _servers = [];

        public bool IsEmpty => _searchDomains.Count == 0 && _servers.Count == 0;

        /// <exception cref="ConfigException">The line is malformed (named as openvpn names it).</exception>
        public void Apply(ConfigLine l, bool pulled)
        {
            string kind = l.OptionalArg(0) ?? string.Empty;
            if (kind == "search-domains" && l.ArgCount >= 2)
            {
                for (int i = 1; i < l.ArgCount; i++)
                {
                    _searchDomains.Add(Domain(l, i));
                }

                return;
            }

            if (kind != "server" || l.ArgCount < 4)
            {
                throw l.Error($"--dns: unknown option type '{kind}' or missing or unknown parameter");
            }

            int min = pulled ? 0 : sbyte.MinValue;
            if (!int.TryParse(l.Arg(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int priority) || priority < min || priority > sbyte.MaxValue)
            {
                throw l.Error($"--dns server: invalid priority value '{l.Arg(1)}' ({min}..{sbyte.MaxValue})");
            }

            if (!_servers.TryGetValue(priority, out ServerBuilder? server))
            {
                server = new ServerBuilder(priority);
                _servers.Add(priority, server);
            }

            string what = l.Arg(2);
            switch (what)
            {
                case "address":
                    for (int i = 3; i < l.ArgCount; i++)
                    {
                        if (server.Addresses.Count >= MaxAddresses || ParseAddress(l.Arg(i)) is not { } address)
                        {
                            throw l.Error($"--dns server {priority}: malformed address or maximum exceeded '{l.Arg(i)}'");
                        }

                        server.Addresses.Add(address);
                    }

                    return;
                case "resolve-domains":
                    for (int i = 3; i < l.ArgCount; i++)
                    {
                        server.ResolveDomains.Add(Domain(l, i));
                    }

                    return;
                case "dnssec" when l.ArgCount == 4:
                    server.Dnssec = l.Arg(3) is "yes" or "no" or "optional"
                        ? l.Arg(3)
                        : throw l.Error($"--dns server {priority}: malformed dnssec value '{l.Arg(3)}' (yes, no or optional)");
                    return;
                case "transport" when l.ArgCount == 4:
                    server.Transport = l.Arg(3) is "plain" or "DoH" or "DoT"
                        ? l.Arg(3)
                        : throw l.Error($"--dns server {priority}: malformed transport value '{l.Arg(3)}' (plain, DoH or DoT)");
                    return;
                case "sni" when l.ArgCount == 4:
                    server.Sni = Domain(l, 3);
                    return;
                default:
                    throw l.Error($"--dns server {priority}: unknown option type '{what}' or missing or unknown parameter");
            }
        }

        /// <summary>The settings, or the error openvpn gives for a server without an address (null: no error).</summary>
        public DnsSettings Build(out string? error)
        {
            error = _servers.Values.FirstOrDefault(s => s.Addresses.Count == 0) is { } bare
                ? $"ERROR: dns server {bare.Priority.ToString(CultureInfo.InvariantCulture)} does not have an address assigned"
                : null;
            return IsEmpty ? DnsSettings.None : new DnsSettings(_searchDomains.ToArray(), _servers.Values.Select(s => s.Build()).ToArray());
        }
    }

    /// <summary>dns_server_addr_parse: a.b.c.d, a.b.c.d:port, an IPv6 address, or [IPv6]:port.</summary>
    internal static DnsServerAddress? ParseAddress(string text)
    {
        int first = text.IndexOf(':', StringComparison.Ordinal);
        int last = text.LastIndexOf(':');
        string host = text;
        int? port = null;
        AddressFamily family;
        if (first < 0 || first == last)
        {
            if (last >= 0)
            {
                if (last == 0 || ParsePort(text[(last + 1)..]) is not { } p)
                {
                    return null;
                }

                port = p;
                host = text[..last];
            }

            family = AddressFamily.InterNetwork;
        }
        else
        {
            if (text.StartsWith('['))
            {
                int bracket = last - 1;
                if (bracket <= 1 || text[bracket] != ']' || ParsePort(text[(last + 1)..]) is not { } p)
                {
                    return null;
                }

                port = p;
                host = text[1..bracket];
            }

            family = AddressFamily.InterNetworkV6;
        }

        return IPAddress.TryParse(host, out IPAddress? address) && address.AddressFamily == family
            && (family == AddressFamily.InterNetwork || address.ScopeId == 0)
            ? new DnsServerAddress(address, port)
            : null;
    }

    private static int? ParsePort(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and <= ushort.MaxValue ? port : null;

    /// <summary>Domains reach resolvconf and scripts: the same characters dhcp-option DOMAIN allows.</summary>
    private static string Domain(ConfigLine l, int index) =>
        NetworkOptions.IsDomainName(l.Arg(index)) ? l.Arg(index) : throw l.Error($"'{l.Arg(index)}' is not a domain name");

    private sealed class ServerBuilder(int priority)
    {
        public int Priority { get; } = priority;
        public List<DnsServerAddress> Addresses { get; } = [];
        public List<string> ResolveDomains { get; } = [];
        public string? Dnssec { get; set; }
        public string? Transport { get; set; }
        public string? Sni { get; set; }

        public DnsServer Build() => new(Priority, Addresses.ToArray(), ResolveDomains.ToArray(), Dnssec, Transport, Sni);
    }
}
