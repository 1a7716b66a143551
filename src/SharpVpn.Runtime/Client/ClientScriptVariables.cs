using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// What OpenVPN 2.6's client tells its up/down scripts about the connection (the client's env_set when the tun opens):
/// the server's certificate and its CA (X509_*, tls_*, common_name), the server's address, the tunnel addresses, the
/// routes (route_network_N, ...) and every pushed dhcp-option as foreign_option_N (what update-resolv-conf reads).
/// </summary>
internal static class ClientScriptVariables
{
    public static Dictionary<string, string> Build(ClientConfig config, RemoteEndpoint remote, IPEndPoint server, X509Certificate2? serverCertificate,
        string? serverName, IEnumerable<X509Certificate2> authorities, PushReplyOptions push, IReadOnlyList<string> pushedLines, IPAddress? netGateway,
        long startedUnixSeconds)
    {
        Dictionary<string, string> env = Base(config, remote, startedUnixSeconds);
        ScriptRunner.AddAddress(env, "trusted", server);
        ScriptRunner.AddAddress(env, "untrusted", server);

        if (serverCertificate is not null)
        {
            env["common_name"] = serverName ?? string.Empty;
            ScriptRunner.AddCertificate(env, serverCertificate, 0);
            ScriptRunner.AddCertificate(env, Tls.OpenVpnCertificateText.IssuerAmong(authorities, serverCertificate), 1);
        }

        AddTunnel(env, config, push, netGateway);
        var foreign = new List<string>();
        foreach (string line in pushedLines)
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words is ["dhcp-option", ..] && !push.FilteredOut.Contains(line))
            {
                foreign.Add(string.Join(' ', words));
            }
        }

        // OpenVPN 2.6's dns options: dns_* variables, and the foreign options rewritten from them.
        DnsSettings dns = config.Dns.WithPulled(push.Dns);
        dns.AddScriptVariables(env);
        IReadOnlyList<string> options = dns.RewriteForeignOptions(foreign);
        for (int i = 0; i < options.Count; i++)
        {
            env[$"foreign_option_{(i + 1).ToString(CultureInfo.InvariantCulture)}"] = options[i];
        }

        return env;
    }

    /// <summary>What every client script is told from the start: the config, the process, the remote as configured.</summary>
    public static Dictionary<string, string> Base(ClientConfig config, RemoteEndpoint remote, long startedUnixSeconds) =>
        new(StringComparer.Ordinal)
        {
            ["config"] = config.SourceName,
            ["verb"] = config.Logging.Verb.ToString(CultureInfo.InvariantCulture),
            ["daemon"] = "0",
            ["daemon_log_redirect"] = config.Logging.LogFile is null ? "0" : "1",
            ["daemon_pid"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
            ["daemon_start_time"] = startedUnixSeconds.ToString(CultureInfo.InvariantCulture),
            ["proto_1"] = remote.Protocol == TransportProtocol.Tcp ? "tcp-client" : "udp",
            ["remote_1"] = remote.Host,
            ["remote_port_1"] = remote.Port.ToString(CultureInfo.InvariantCulture),
        };

    private static void AddTunnel(Dictionary<string, string> env, ClientConfig config, PushReplyOptions push, IPAddress? netGateway)
    {
        bool subnet = (push.Topology ?? config.Tun.Topology) == Topology.Subnet;
        IPAddress? vpnGateway = push.RouteGateway ?? (subnet ? null : push.Ifconfig?.RemoteOrNetmask);
        if (push.Ifconfig is { } ifconfig)
        {
            env["ifconfig_local"] = ifconfig.Local.ToString();
            env[subnet ? "ifconfig_netmask" : "ifconfig_remote"] = ifconfig.RemoteOrNetmask.ToString();
        }

        if (push.IfconfigIpv6 is { } v6)
        {
            env["ifconfig_ipv6_local"] = v6.Local.ToString();
            env["ifconfig_ipv6_netbits"] = v6.PrefixLength.ToString(CultureInfo.InvariantCulture);
            env["ifconfig_ipv6_remote"] = v6.Remote.ToString();
        }

        if (vpnGateway is not null)
        {
            env["route_vpn_gateway"] = vpnGateway.ToString();
        }

        env["route_net_gateway"] = (netGateway ?? IPAddress.Any).ToString();
        int n = 0;
        foreach (Route route in config.Tun.Routes.Concat(config.RouteNoPull ? [] : push.Routes))
        {
            string i = (++n).ToString(CultureInfo.InvariantCulture);
            env[$"route_network_{i}"] = route.Network.ToString();
            env[$"route_netmask_{i}"] = route.Netmask.ToString();
            IPAddress? gateway = route.Gateway switch
            {
                null or "vpn_gateway" => vpnGateway,
                "net_gateway" => netGateway,
                _ when IPAddress.TryParse(route.Gateway, out IPAddress? g) => g,
                _ => null,
            };
            if (gateway is not null)
            {
                env[$"route_gateway_{i}"] = gateway.ToString();
            }

            if (route.Metric is { } metric)
            {
                env[$"route_metric_{i}"] = metric.ToString(CultureInfo.InvariantCulture);
            }
        }
    }
}
