using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Config;

/// <summary>One address of a <c>dns server</c>: IPv4 or IPv6, with the port when one was given.</summary>
public sealed record DnsServerAddress(IPAddress Address, int? Port);

/// <summary>
/// <c>dns server PRIORITY ...</c> (OpenVPN 2.6 dns.h struct dns_server): up to 8 addresses, the domains it resolves
/// (split DNS), DNSSEC, transport and TLS server name as given; lower priorities come first.
/// </summary>
public sealed record DnsServer(int Priority, IReadOnlyList<DnsServerAddress> Addresses, IReadOnlyList<string> ResolveDomains,
    string? Dnssec, string? Transport, string? Sni);

/// <summary>
/// OpenVPN 2.6's structured <c>dns</c> option, from the config and pushed: search domains in order, servers by
/// priority. On Linux openvpn applies nothing itself: it hands the values to scripts (dns_* variables) and rewrites
/// the <c>dhcp-option DNS/DNS6/DOMAIN-SEARCH</c> foreign options from them; <see cref="AsDhcpOptions"/> is that rewrite.
/// </summary>
public sealed record DnsSettings(IReadOnlyList<string> SearchDomains, IReadOnlyList<DnsServer> Servers)
{
    public static DnsSettings None { get; } = new([], []);

    public bool IsEmpty => SearchDomains.Count == 0 && Servers.Count == 0;

    /// <summary>
    /// The config's settings with a push's (dns_options_postprocess_pull): a pushed server replaces the config's of the
    /// same priority, the others merge in priority order; pushed search domains follow the config's.
    /// </summary>
    public DnsSettings WithPulled(DnsSettings pulled)
    {
        ArgumentNullException.ThrowIfNull(pulled);
        if (pulled.IsEmpty)
        {
            return this;
        }

        var servers = new SortedDictionary<int, DnsServer>();
        foreach (DnsServer server in Servers)
        {
            servers[server.Priority] = server;
        }

        foreach (DnsServer server in pulled.Servers)
        {
            servers[server.Priority] = server;
        }

        return new DnsSettings([.. SearchDomains, .. pulled.SearchDomains], [.. servers.Values]);
    }

    /// <summary>
    /// foreign_options_copy_dns (options.c, non-Windows) for the DNS applied here: with servers, the dhcp-option
    /// DNS/DNS6 entries give way to one per server address (priority order); with search domains, DOMAIN-SEARCH gives
    /// way to one per domain; every other entry stays first, in its order.
    /// </summary>
    public IReadOnlyList<DhcpOption> AsDhcpOptions(IReadOnlyList<DhcpOption> dhcp)
    {
        ArgumentNullException.ThrowIfNull(dhcp);
        return IsEmpty ? dhcp : [.. dhcp.Where(o => !Replaces(o.Type)), .. Entries().Select(e => new DhcpOption(e.Type, e.Value))];
    }

    /// <summary>The same rewrite of the scripts' foreign_option_N texts ("dhcp-option TYPE VALUE", as pushed).</summary>
    public IReadOnlyList<string> RewriteForeignOptions(IReadOnlyList<string> foreign)
    {
        ArgumentNullException.ThrowIfNull(foreign);
        const string Prefix = "dhcp-option ";
        return IsEmpty
            ? foreign
            : [.. foreign.Where(f => !(f.StartsWith(Prefix, StringComparison.Ordinal) && Replaces(f[Prefix.Length..]))),
               .. Entries().Select(e => $"{Prefix}{e.Type} {e.Value}")];
    }

    // openvpn matches with strstr(value, "dhcp-option DNS") == value: DNS and DNS6 alike.
    private bool Replaces(string type) =>
        (Servers.Count > 0 && type.StartsWith("DNS", StringComparison.Ordinal))
        || (SearchDomains.Count > 0 && type.StartsWith("DOMAIN-SEARCH", StringComparison.Ordinal));

    private IEnumerable<(string Type, string Value)> Entries()
    {
        foreach (DnsServer server in Servers)
        {
            foreach (DnsServerAddress a in server.Addresses)
            {
                yield return (a.Address.AddressFamily == AddressFamily.InterNetworkV6 ? "DNS6" : "DNS", a.Address.ToString());
            }
        }

        foreach (string domain in SearchDomains)
        {
            yield return ("DOMAIN-SEARCH", domain);
        }
    }

    /// <summary>setenv_dns_options: dns_search_domain_N and dns_server_N_* (N counts servers in priority order from 1).</summary>
    public void AddScriptVariables(IDictionary<string, string> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        for (int i = 0; i < SearchDomains.Count; i++)
        {
            env[$"dns_search_domain_{N(i + 1)}"] = SearchDomains[i];
        }

        for (int i = 0; i < Servers.Count; i++)
        {
            DnsServer s = Servers[i];
            string prefix = $"dns_server_{N(i + 1)}_";
            for (int j = 0; j < s.Addresses.Count; j++)
            {
                env[$"{prefix}address_{N(j + 1)}"] = s.Addresses[j].Address.ToString();
                if (s.Addresses[j].Port is { } port)
                {
                    env[$"{prefix}port_{N(j + 1)}"] = N(port);
                }
            }

            for (int j = 0; j < s.ResolveDomains.Count; j++)
            {
                env[$"{prefix}resolve_domain_{N(j + 1)}"] = s.ResolveDomains[j];
            }

            AddIfSet(env, prefix + "dnssec", s.Dnssec);
            AddIfSet(env, prefix + "transport", s.Transport);
            AddIfSet(env, prefix + "sni", s.Sni);
        }

        static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

        static void AddIfSet(IDictionary<string, string> env, string name, string? value)
        {
            if (value is not null)
            {
                env[name] = value;
            }
        }
    }
}
