using System.Diagnostics;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The tutorial lab for <c>sharpvpn client</c>: a real openvpn 2.6 server (with the tutorial's source NAT) in
/// the server namespace and our client, started as <c>dotnet sharpvpn.dll client --config ...</c>, in the client
/// namespace. Dispose stops both and removes the namespaces.
/// </summary>
internal sealed class ClientScenario : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);

    private readonly ITestOutputHelper _output;
    private readonly List<LabProcess> _logged = [];

    private ClientScenario(ScenarioLab lab, EasyRsaPki pki, ITestOutputHelper output)
    {
        Lab = lab;
        Pki = pki;
        _output = output;
    }

    public ScenarioLab Lab { get; }

    public EasyRsaPki Pki { get; }

    public LabProcess? Server { get; private set; }

    public OpenVpnConfigFile? ServerConfig { get; private set; }

    public static async Task<ClientScenario> CreateAsync(ITestOutputHelper output, IEnumerable<string>? clients = null)
    {
        ScenarioLab lab = await ScenarioLab.CreateAsync();
        try
        {
            EasyRsaPki pki = await EasyRsaPki.CreateAsync(Path.Combine(lab.WorkDir, "pki"), clients: clients);
            return new ClientScenario(lab, pki, output);
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes the server config for <paramref name="variant"/>, applies NAT and starts the real openvpn server.</summary>
    public async Task<LabProcess> StartServerAsync(OpenVpnVariant variant)
    {
        ServerConfig = OpenVpnConfigs.WriteServer(Path.Combine(Lab.WorkDir, "server"), Pki, variant);
        await Lab.ApplyMasqueradeAsync();
        return await RestartServerAsync();
    }

    /// <summary>(Re)starts openvpn with the config written by <see cref="StartServerAsync"/>.</summary>
    public async Task<LabProcess> RestartServerAsync()
    {
        Server = Lab.StartOpenVpn(Lab.Server, ServerConfig!);
        _logged.Add(Server);
        await Server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return Server;
    }

    /// <summary>Writes a client config (the lab's openvpn client config for <paramref name="variant"/>), optionally edited.</summary>
    public OpenVpnConfigFile WriteClientConfig(OpenVpnVariant variant, string clientName = "client", Func<string, string>? edit = null,
        string fileName = "client")
    {
        string dir = Path.Combine(Lab.WorkDir, "client");
        Directory.CreateDirectory(dir);
        string log = Path.Combine(dir, $"{fileName}.log");
        string text = OpenVpnConfigs.ClientConfig(Pki, clientName, variant, log);
        if (edit is not null)
        {
            text = edit(text);
        }

        var file = new OpenVpnConfigFile(Path.Combine(dir, $"{fileName}.conf"), log, Path.Combine(dir, $"{fileName}-status.txt"));
        File.WriteAllText(file.ConfigPath, text);
        return file;
    }

    /// <summary>Starts our client: <c>dotnet sharpvpn.dll client --config FILE</c>, following the log file the config names.</summary>
    public LabProcess StartOurClient(OpenVpnConfigFile config)
    {
        LabProcess client = Lab.StartSharpVpn(Lab.Client, ["client", "--config", config.ConfigPath], followFile: config.LogPath);
        _logged.Add(client);
        return client;
    }

    /// <summary>Starts our client with the Modern config and waits until it is connected.</summary>
    public async Task<LabProcess> ConnectOurClientAsync()
    {
        LabProcess client = StartOurClient(WriteClientConfig(OpenVpnVariant.Modern));
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return client;
    }

    /// <summary>Starts the real openvpn client with the same config (for side-by-side measurements).</summary>
    public LabProcess StartRealClient(OpenVpnConfigFile config)
    {
        LabProcess client = Lab.StartOpenVpn(Lab.Client, config);
        _logged.Add(client);
        return client;
    }

    /// <summary>Starts a client and returns the time from process start to "Initialization Sequence Completed".</summary>
    public async Task<(LabProcess Client, TimeSpan Handshake)> StartAndTimeAsync(Func<LabProcess> start)
    {
        var watch = Stopwatch.StartNew();
        LabProcess client = start();
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return (client, watch.Elapsed);
    }

    /// <summary><c>openvpn --genkey tls-crypt-v2-server</c> and <c>--genkey tls-crypt-v2-client</c> wrapped by it.</summary>
    public async Task<(string ServerKey, string ClientKey)> GenerateTlsCryptV2KeysAsync()
    {
        string serverKey = Path.Combine(Pki.Directory, "tc2-server.key");
        string clientKey = Path.Combine(Pki.Directory, "tc2-client.key");
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        (await ProcessRunner.RunAsync("openvpn", ["--genkey", "tls-crypt-v2-server", serverKey], timeout, CancellationToken.None)).EnsureSuccess();
        (await ProcessRunner.RunAsync("openvpn", ["--tls-crypt-v2", serverKey, "--genkey", "tls-crypt-v2-client", clientKey], timeout, CancellationToken.None))
            .EnsureSuccess();
        return (serverKey, clientKey);
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

    public async Task<string> TunAddressesAsync() =>
        (await Lab.RunAsync(Lab.Client, "ip", "-4", "-o", "addr", "show", "dev", "tun0")).StdOut;

    public async ValueTask DisposeAsync()
    {
        foreach (LabProcess p in _logged)
        {
            _output.WriteLine($"--- {p.Host.Role}: {p.CommandLine} (exit {p.ExitCode?.ToString() ?? "running"}) ---\n{p.Output}");
        }

        await Lab.DisposeAsync();
    }
}
