using System.CommandLine;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Server;
using SharpVpn.Runtime.Setup;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn quickstart</c>: the whole server side of the tutorial in one command (PKI, tls-crypt key,
/// server.conf with forwarding/NAT/firewall, first client profiles), then the server in the foreground or as
/// a systemd service. Safe to run again: existing pieces are kept and reported as kept.
/// </summary>
internal static class QuickstartCommand
{
    public static Command Create()
    {
        var publicAddress = new Option<string?>("--public-address") { Description = "Address or host name clients connect to (default: this host's default-route address)" };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => 1194 };
        var proto = new Option<string>("--proto") { Description = "udp or tcp", DefaultValueFactory = _ => "udp" };
        proto.AcceptOnlyFromAmong("udp", "tcp");
        var pool = new Option<string>("--pool") { Description = "VPN address pool", DefaultValueFactory = _ => "10.8.0.0/24" };
        var pushRoute = new Option<string[]>("--push-route")
        {
            Description = "Network clients reach through the tunnel, NET/LEN (repeatable; default: the networks of this host's non-public interfaces)",
            AllowMultipleArgumentsPerToken = false,
        };
        var dns = new Option<string[]>("--dns") { Description = "DNS server pushed to clients (repeatable)" };
        var fullTunnel = new Option<bool>("--full-tunnel") { Description = "Send all client traffic through the VPN (redirect-gateway)" };
        var clients = new Option<int>("--clients") { Description = "Number of client profiles to create (client1, client2, ...)", DefaultValueFactory = _ => 1 };
        var dir = new Option<string>("--dir") { Description = "Data directory (PKI, server.conf, profiles)", DefaultValueFactory = _ => DataDirectory.DefaultRoot };
        var noStart = new Option<bool>("--no-start") { Description = "Only write the files; do not start the server" };
        var service = new Option<bool>("--service") { Description = "Install and start the systemd service instead of running in the foreground" };
        var portShare = new Option<string?>("--port-share")
        {
            Description = "With --proto tcp: relay connections that are not OpenVPN to this web server (HOST:PORT), so both can use port 443",
        };
        var command = new Command("quickstart", "Set up a complete VPN server in one command: PKI, server.conf, NAT, firewall, first client profile")
        {
            publicAddress, port, proto, pool, pushRoute, dns, fullTunnel, clients, dir, noStart, service, portShare,
        };
        command.SetAction(int (ParseResult r) =>
        {
            var options = new QuickstartOptions
            {
                Directory = r.GetValue(dir)!,
                PublicAddress = r.GetValue(publicAddress),
                Port = r.GetValue(port),
                Protocol = r.GetValue(proto)!,
                Pool = ParseNetwork(r.GetValue(pool)!, "--pool"),
                PushRoutes = r.GetValue(pushRoute) is { Length: > 0 } routes ? [.. routes.Select(x => ParseNetwork(x, "--push-route"))] : null,
                Dns = [.. (r.GetValue(dns) ?? []).Select(ParseDns)],
                FullTunnel = r.GetValue(fullTunnel),
                Clients = r.GetValue(clients),
                PortShare = r.GetValue(portShare) is { } share ? ParseHostPort(share, "--port-share") : null,
            };
            return Run(options, r.GetValue(noStart), r.GetValue(service));
        });
        return command;
    }

    /// <summary>"HOST:PORT" or "[IPv6]:PORT".</summary>
    private static System.Net.DnsEndPoint ParseHostPort(string text, string option)
    {
        int colon = text.LastIndexOf(':');
        string host = colon > 0 ? text[..colon].Trim('[', ']') : "";
        if (host.Length == 0 || !int.TryParse(text.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port)
            || port is < 1 or > 65535)
        {
            throw new UsageException($"{option} '{text}' is not HOST:PORT (e.g. 127.0.0.1:8443)");
        }

        return new System.Net.DnsEndPoint(host, port);
    }

    private static int Run(QuickstartOptions options, bool noStart, bool service)
    {
        if (noStart && service)
        {
            throw new UsageException("--no-start and --service exclude each other.");
        }

        if (!Environment.IsPrivilegedProcess && !noStart)
        {
            throw new UsageException("quickstart starts the server, which needs root (TUN device, routes, NAT): run it with sudo, or pass --no-start to only write the files.");
        }

        QuickstartResult result;
        try
        {
            result = new Quickstart().Run(options);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        PrintSummary(result);
        if (noStart)
        {
            Console.WriteLine($"Start the server with: sharpvpn server --config {result.Directory.ServerConfig}");
            return CommandExit.Success;
        }

        Console.Out.Flush();
        if (service)
        {
            return Program.BuildRootCommand().Parse(["service", "install", "--config", result.Directory.ServerConfig])
                .Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }

        Console.WriteLine("Starting the server in the foreground (Ctrl-C stops it; --service installs it as a systemd service instead).");
        ServerConfig parsed = ConfigParser.ParseServer(result.Directory.ServerConfig);
        using OpenVpnLog log = OpenVpnLog.Open(parsed.Logging.Verb, parsed.Logging.Mute, parsed.Logging.LogFile, parsed.Logging.LogAppend, parsed.Logging.Timestamps);
        using var engine = new ServerEngine(parsed, log);
        return engine.Run();
    }

    private static void PrintSummary(QuickstartResult result)
    {
        foreach (SetupStep step in result.Steps)
        {
            string tag = step.Action switch
            {
                SetupAction.Created => "created",
                SetupAction.Kept => "kept   ",
                _ => "note   ",
            };
            Console.WriteLine(step.Path is null ? $"  {tag} {step.What}" : $"  {tag} {step.What}: {step.Path}");
        }

        Console.WriteLine();
        if (result.NothingChanged)
        {
            Console.WriteLine($"Nothing changed: everything was already in place in {result.Directory.Root}.");
        }

        Console.WriteLine($"Server:   {result.Protocol} {result.Endpoint}   (config {result.Directory.ServerConfig})");
        if (result.PushedRoutes.Count > 0)
        {
            Console.WriteLine($"Routes:   {string.Join(", ", result.PushedRoutes)} pushed to clients");
        }

        foreach (string profile in result.ProfilePaths)
        {
            Console.WriteLine($"Profile:  {profile}   (give this file to the user; it contains their private key)");
        }

        string dirFlag = result.Directory.Root == DataDirectory.DefaultRoot ? "" : $" --dir {result.Directory.Root}";
        Console.WriteLine($"Add a client: sharpvpn profile add NAME{dirFlag}    List: sharpvpn profile list{dirFlag}    Revoke: sharpvpn profile revoke NAME{dirFlag}");
    }

    internal static IPNetwork ParseNetwork(string text, string option)
    {
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            throw new UsageException($"{option} '{text}' must be NET/LEN, e.g. 192.168.1.0/24.");
        }

        if (!IPNetwork.TryParse(text, out IPNetwork network) || network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new UsageException($"{option} '{text}' is not an IPv4 network NET/LEN with no host bits set, e.g. 192.168.1.0/24.");
        }

        return network;
    }

    private static IPAddress ParseDns(string text) =>
        IPAddress.TryParse(text, out IPAddress? ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? ip
            : throw new UsageException($"--dns '{text}' is not an IPv4 address.");
}
