using System.Globalization;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The tutorial lab for <c>sharpvpn server</c>: OUR server (<c>dotnet sharpvpn.dll server --config ...</c>) in the
/// server namespace with the tutorial's source NAT, REAL openvpn 2.6 clients in the client namespace.
/// Dispose stops everything and removes the namespaces.
/// </summary>
internal sealed class ServerScenario : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);

    private readonly ITestOutputHelper _output;
    private readonly List<LabProcess> _logged = [];
    private readonly List<ServerExtraClientHost> _extraHosts = [];

    private ServerScenario(ScenarioLab lab, EasyRsaPki pki, ITestOutputHelper output)
    {
        Lab = lab;
        Pki = pki;
        _output = output;
    }

    public ScenarioLab Lab { get; }

    public EasyRsaPki Pki { get; }

    public LabProcess? Server { get; private set; }

    public OpenVpnConfigFile? ServerConfig { get; private set; }

    public static async Task<ServerScenario> CreateAsync(ITestOutputHelper output, IEnumerable<string>? clients = null)
    {
        ScenarioLab lab = await ScenarioLab.CreateAsync();
        try
        {
            EasyRsaPki pki = await EasyRsaPki.CreateAsync(Path.Combine(lab.WorkDir, "pki"), clients: clients);
            return new ServerScenario(lab, pki, output);
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the lab's server.conf for <paramref name="variant"/> (optionally edited), applies the tutorial's NAT, starts OUR server.</summary>
    public async Task<LabProcess> StartServerAsync(OpenVpnVariant variant, Func<string, string>? edit = null, bool applyNat = true)
    {
        ServerConfig = OpenVpnConfigs.WriteServer(Path.Combine(Lab.WorkDir, "server"), Pki, variant);
        if (edit is not null)
        {
            File.WriteAllText(ServerConfig.ConfigPath, edit(File.ReadAllText(ServerConfig.ConfigPath)));
        }

        if (applyNat)
        {
            await Lab.ApplyMasqueradeAsync();
        }

        return await RestartServerAsync();
    }

    /// <summary>
    /// Starts our server, or with <paramref name="real"/> the real openvpn server (with the NAT our start applies), from
    /// the same <paramref name="variant"/> (optionally edited the same way); a server still running is stopped first.
    /// For side-by-side claims.
    /// </summary>
    public async Task<LabProcess> StartEitherServerAsync(OpenVpnVariant variant, bool real, Func<string, string>? edit = null)
    {
        if (Server is { } running)
        {
            await running.StopAsync();
        }

        if (!real)
        {
            return await StartServerAsync(variant, edit);
        }

        await Lab.ApplyMasqueradeAsync();
        UseRealOpenVpnServer(variant);
        if (edit is not null)
        {
            File.WriteAllText(ServerConfig!.ConfigPath, edit(File.ReadAllText(ServerConfig.ConfigPath)));
        }

        return await RestartServerAsync(real: true);
    }

    /// <summary>Writes the config for the REAL openvpn server (side-by-side measurements); start it with RestartServerAsync(real: true).</summary>
    public void UseRealOpenVpnServer(OpenVpnVariant variant) =>
        ServerConfig = OpenVpnConfigs.WriteServer(Path.Combine(Lab.WorkDir, "server"), Pki, variant, name: "openvpn-server");

    /// <summary>(Re)starts our server (or the real openvpn with <paramref name="real"/>) with the config written last.</summary>
    public async Task<LabProcess> RestartServerAsync(bool real = false)
    {
        File.Delete(ServerConfig!.LogPath); // never match the previous run's lines
        Server = real
            ? Lab.StartOpenVpn(Lab.Server, ServerConfig)
            : Lab.StartSharpVpn(Lab.Server, ["server", "--config", ServerConfig!.ConfigPath], followFile: ServerConfig.LogPath);
        _logged.Add(Server);
        await Server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return Server;
    }

    /// <summary>Writes a real openvpn client config for <paramref name="clientName"/> (its cert), optionally edited.</summary>
    public OpenVpnConfigFile WriteClientConfig(OpenVpnVariant variant, string clientName = "client", Func<string, string>? edit = null,
        string remote = ScenarioLab.ServerPublicAddress)
    {
        OpenVpnConfigFile file = OpenVpnConfigs.WriteClient(Path.Combine(Lab.WorkDir, "clients"), Pki, clientName, variant, remote);
        if (edit is not null)
        {
            File.WriteAllText(file.ConfigPath, edit(File.ReadAllText(file.ConfigPath)));
        }

        return file;
    }

    /// <summary>One more client host with its own link to the server (removed at dispose).</summary>
    public async Task<ServerExtraClientHost> AddClientHostAsync(int index)
    {
        ServerExtraClientHost host = await ServerExtraClientHost.CreateAsync(Lab, index);
        _extraHosts.Add(host);
        return host;
    }

    /// <summary>Starts a REAL openvpn client in the client namespace (or <paramref name="host"/>).</summary>
    public LabProcess StartRealClient(OpenVpnConfigFile config, LabHost? host = null)
    {
        File.Delete(config.LogPath); // never match a previous run's lines
        LabProcess client = Lab.StartOpenVpn(host ?? Lab.Client, config);
        _logged.Add(client);
        return client;
    }

    /// <summary>Starts a REAL openvpn client with the Modern config and waits until it is connected.</summary>
    public async Task<LabProcess> ConnectRealClientAsync()
    {
        LabProcess client = StartRealClient(WriteClientConfig(OpenVpnVariant.Modern));
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return client;
    }

    /// <summary>Starts OUR client in the client namespace.</summary>
    public LabProcess StartOurClient(OpenVpnConfigFile config)
    {
        File.Delete(config.LogPath);
        LabProcess client = Lab.StartSharpVpn(Lab.Client, ["client", "--config", config.ConfigPath], followFile: config.LogPath);
        _logged.Add(client);
        return client;
    }

    public async Task AssertIntranetUnreachableAsync()
    {
        PingResult before = await Lab.PingAsync(Lab.Client, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(3));
        Assert.False(before.AnyReceived, before.ToString());
    }

    public async Task AssertIntranetReachableAsync()
    {
        PingResult after = await Lab.PingAsync(Lab.Client, ScenarioLab.IntranetAddress, count: 3);
        Assert.True(after.AllReceived, after.ToString());
    }

    public async Task<string> ClientTunAddressesAsync() =>
        (await Lab.RunAsync(Lab.Client, "ip", "-4", "-o", "addr", "show", "type", "tun")).StdOut;

    /// <summary>Resident set size of our server process (kB), from /proc.</summary>
    public long ServerRssKb()
    {
        int pid = Server!.Pid;
        foreach (string line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            }
        }

        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (LabProcess p in _logged)
        {
            _output.WriteLine($"--- {p.Host.Role}: {p.CommandLine} (exit {p.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "running"}) ---\n{p.Output}");
        }

        await Lab.DisposeAsync();
        foreach (ServerExtraClientHost host in _extraHosts)
        {
            await host.DisposeAsync();
        }
    }
}
