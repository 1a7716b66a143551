using System.Globalization;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Pki;
using SharpVpn.Platform;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Runtime.Setup;

/// <summary>
/// <c>sharpvpn quickstart</c> without the starting part: the tutorial's steps 2-12 in one call.
/// Creates what is missing in the data directory (PKI with EC CA, server certificate, CRL,
/// tls-crypt key, server.conf, first client profiles) and keeps everything that exists, so a
/// second run changes nothing and says so.
/// </summary>
public sealed class Quickstart
{
    private readonly CommandRunner _runner;

    public Quickstart(CommandRunner? runner = null)
    {
        _runner = runner ?? CommandRunner.Host;
    }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public QuickstartResult Run(QuickstartOptions options)
    {
        if (options.Protocol is not ("udp" or "tcp"))
        {
            throw new ArgumentException($"--proto '{options.Protocol}' must be udp or tcp.");
        }

        if (options.PortShare is not null && options.Protocol != "tcp")
        {
            throw new ArgumentException("--port-share needs --proto tcp: a web server shares a TCP port (e.g. --proto tcp --port 443).");
        }

        if (options.Port is < 1 or > 65535)
        {
            throw new ArgumentException($"--port {options.Port} is outside 1..65535.");
        }

        if (options.Clients is < 0 or > 1000)
        {
            throw new ArgumentException($"--clients {options.Clients} is outside 0..1000.");
        }

        if (options.Pool.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || options.Pool.PrefixLength > 29)
        {
            throw new ArgumentException($"--pool {options.Pool} must be an IPv4 network of at least 8 addresses (/29 or larger).");
        }

        var dir = new DataDirectory(options.Directory);
        var steps = new List<SetupStep>();
        if (!Directory.Exists(dir.Root))
        {
            // The data directory holds the CA key and the management socket: root only. An existing directory keeps its
            // mode (the secrets inside are 0600/0700 on their own).
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dir.Root);
            }
            else
            {
                Directory.CreateDirectory(dir.Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        CertificateAuthority ca = EnsurePki(dir, steps);
        EnsureTlsCryptKey(dir, steps);
        IReadOnlyList<string> pushed = EnsureServerConfig(dir, options, steps);
        List<string> profiles = EnsureClients(dir, ca, options.Clients, steps);

        ServerConfig server = ConfigParser.ParseServer(dir.ServerConfig);
        string remote = ServerConfigTemplate.ReadPublicAddress(File.ReadAllText(dir.ServerConfig)) ?? "(no public address in server.conf)";
        return new QuickstartResult
        {
            Directory = dir,
            Steps = steps,
            Endpoint = $"{remote}:{server.Port.ToString(CultureInfo.InvariantCulture)}",
            Protocol = server.Protocol == TransportProtocol.Tcp ? "tcp" : "udp",
            ProfilePaths = profiles,
            PushedRoutes = pushed,
        };
    }

    private CertificateAuthority EnsurePki(DataDirectory dir, List<SetupStep> steps)
    {
        CertificateAuthority ca;
        if (Directory.Exists(dir.PkiDir) && Directory.Exists(Path.Combine(dir.PkiDir, "private")))
        {
            ca = CertificateAuthority.Open(dir.PkiDir, ProfileManager.PkiSettings);
        }
        else
        {
            ca = CertificateAuthority.InitPki(dir.PkiDir, settings: ProfileManager.PkiSettings);
        }

        ca.Time = Time;
        if (ca.HasCa)
        {
            steps.Add(new SetupStep(SetupAction.Kept, "certificate authority", ca.CaCertPath));
        }
        else
        {
            ca.BuildCa(new CaOptions { CommonName = $"SharpVPN CA ({Environment.MachineName})" });
            steps.Add(new SetupStep(SetupAction.Created, "certificate authority (EC secp384r1)", ca.CaCertPath));
        }

        if (File.Exists(ca.CertPath(DataDirectory.ServerName)) && File.Exists(ca.KeyPath(DataDirectory.ServerName)))
        {
            steps.Add(new SetupStep(SetupAction.Kept, "server certificate", ca.CertPath(DataDirectory.ServerName)));
        }
        else
        {
            ca.BuildServerFull(DataDirectory.ServerName);
            steps.Add(new SetupStep(SetupAction.Created, "server certificate", ca.CertPath(DataDirectory.ServerName)));
        }

        if (File.Exists(ca.CrlPath))
        {
            steps.Add(new SetupStep(SetupAction.Kept, "certificate revocation list", ca.CrlPath));
        }
        else
        {
            ca.GenCrl();
            steps.Add(new SetupStep(SetupAction.Created, "certificate revocation list", ca.CrlPath));
        }

        return ca;
    }

    private static void EnsureTlsCryptKey(DataDirectory dir, List<SetupStep> steps)
    {
        if (File.Exists(dir.TlsCryptKey))
        {
            steps.Add(new SetupStep(SetupAction.Kept, "tls-crypt key", dir.TlsCryptKey));
            return;
        }

        ProfileManager.WriteSecret(dir.TlsCryptKey, System.Text.Encoding.ASCII.GetBytes(StaticKey.Generate().ToFileText()));
        steps.Add(new SetupStep(SetupAction.Created, "tls-crypt key", dir.TlsCryptKey));
    }

    private IReadOnlyList<string> EnsureServerConfig(DataDirectory dir, QuickstartOptions options, List<SetupStep> steps)
    {
        if (dir.HasServerConfig)
        {
            steps.Add(new SetupStep(SetupAction.Kept, "server config", dir.ServerConfig));
            ServerConfig existing = ConfigParser.ParseServer(dir.ServerConfig);
            string proto = existing.Protocol == TransportProtocol.Tcp ? "tcp" : "udp";
            if (existing.Port != options.Port || proto != options.Protocol)
            {
                steps.Add(new SetupStep(SetupAction.Note,
                    $"server.conf says {proto} port {existing.Port.ToString(CultureInfo.InvariantCulture)}; the flags were not applied to the existing file (edit it, then re-issue profiles)"));
            }

            return [.. existing.Pushes.Where(p => p.StartsWith("route ", StringComparison.Ordinal)).Select(p => p["route ".Length..])];
        }

        HostNetworks host = HostNetworks.Discover(_runner);
        IPAddress? publicIp = options.PublicAddress is { } given && IPAddress.TryParse(given, out IPAddress? parsed) ? parsed : null;
        string publicAddress = options.PublicAddress
            ?? host.DefaultRouteSource?.ToString()
            ?? throw new InvalidOperationException("Cannot tell this server's public address (there is no default route); pass --public-address ADDRESS.");
        publicIp ??= options.PublicAddress is null ? host.DefaultRouteSource : null;

        IReadOnlyList<IPNetwork> routes = options.PushRoutes ?? [.. host.PrivateNetworks(publicIp, options.Pool).Select(a => a.Network)];
        // Masquerade where the intranets are (the tutorial's 192.168.1.254 side; one interface per pushed network
        // this host reaches directly), not out of the default route.
        List<string> nat = options.FullTunnel ? [] : [.. routes.Select(host.InterfaceFor).OfType<string>().Distinct()];
        if (nat.Count == 0)
        {
            nat.Add("auto");
        }

        if (!options.FullTunnel && routes.Count == 0)
        {
            steps.Add(new SetupStep(SetupAction.Note, "no private network found to push; clients reach only the server (use --push-route NET/LEN or --full-tunnel)"));
        }

        var settings = new ServerSettings
        {
            PublicAddress = publicAddress,
            Port = options.Port,
            Protocol = options.Protocol,
            Pool = options.Pool,
            PushRoutes = routes,
            Dns = options.Dns,
            FullTunnel = options.FullTunnel,
            NatInterfaces = nat,
            PortShare = options.PortShare,
        };
        string text = ServerConfigTemplate.Render(dir, settings, Time.GetUtcNow());
        // Parse before writing: a config the server would refuse is never left behind.
        ConfigParser.ParseServerFromText(text, dir.ServerConfig, dir.Root);
        ProfileManager.WriteSecret(dir.ServerConfig, System.Text.Encoding.UTF8.GetBytes(text));
        steps.Add(new SetupStep(SetupAction.Created, "server config", dir.ServerConfig));
        return [.. routes.Select(r => $"{r.BaseAddress} {ServerConfigTemplate.Netmask(r.PrefixLength)}")];
    }

    private List<string> EnsureClients(DataDirectory dir, CertificateAuthority ca, int count, List<SetupStep> steps)
    {
        var profiles = new List<string>();
        var manager = new ProfileManager(dir) { Time = Time };
        IReadOnlyList<PkiEntry> entries = ca.List();
        for (int i = 1; i <= count; i++)
        {
            string name = "client" + i.ToString(CultureInfo.InvariantCulture);
            bool revoked = entries.Any(e => e.Name == name && e.Status == CertStatus.Revoked)
                && !entries.Any(e => e.Name == name && e.Status == CertStatus.Valid);
            if (revoked)
            {
                steps.Add(new SetupStep(SetupAction.Note, $"'{name}' is revoked; not issued again (use 'sharpvpn profile add NAME' for a new client)"));
                continue;
            }

            string? existing = new[] { dir.ProfilePath(name), dir.ZipPath(name) }.FirstOrDefault(File.Exists);
            if (existing is not null && File.Exists(ca.CertPath(name)))
            {
                steps.Add(new SetupStep(SetupAction.Kept, $"profile {name}", existing));
                profiles.Add(existing);
                continue;
            }

            string path = manager.Add(name, reuseCertificate: true);
            steps.Add(new SetupStep(SetupAction.Created, $"profile {name}", path));
            profiles.Add(path);
        }

        return profiles;
    }
}
