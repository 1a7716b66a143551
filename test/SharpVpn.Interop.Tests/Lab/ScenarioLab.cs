using System.Globalization;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// The tutorial's three hosts (shared/docs/scenario.md) as network namespaces named sv{pid}x{n}-cli/-srv/-int:
/// remote client 172.16.0.8/16; VPN server 172.16.1.254/16 + 192.168.1.254/24 with IP forwarding;
/// intranet host 192.168.1.1/24 with no default route. Everything started through the lab
/// (processes, namespaces and the tun devices and veths inside them, the work dir) goes away in
/// <see cref="DisposeAsync"/>, in exit handlers, or in the next run's sweep if this process dies.
/// </summary>
public sealed class ScenarioLab : IAsyncDisposable
{
    public const string ClientAddress = "172.16.0.8";
    public const string ServerPublicAddress = "172.16.1.254";
    public const string ServerIntranetAddress = "192.168.1.254";
    public const string IntranetAddress = "192.168.1.1";
    public const string IntranetNetwork = "192.168.1.0/24";
    /// <summary>The tutorial's VPN address pool (<c>server 10.0.1.0 255.255.255.0</c>).</summary>
    public const string VpnPool = "10.0.1.0/24";

    private static readonly TimeSpan DefaultCommandTimeout = TimeSpan.FromSeconds(60);
    private static int _counter;

    private readonly List<LabProcess> _processes = [];
    private readonly Lock _gate = new();
    private int _disposed;

    private ScenarioLab(string prefix)
    {
        Prefix = prefix;
        WorkDir = WorkDirFor(prefix);
        Client = new LabHost("client", $"{prefix}-cli", [new LabInterface($"{prefix}c0", ClientAddress, 16)]);
        Server = new LabHost("server", $"{prefix}-srv",
        [
            new LabInterface($"{prefix}s0", ServerPublicAddress, 16),
            new LabInterface($"{prefix}s1", ServerIntranetAddress, 24),
        ]);
        Intranet = new LabHost("intranet", $"{prefix}-int", [new LabInterface($"{prefix}i1", IntranetAddress, 24)]);
    }

    /// <summary>Unique per run and per lab: sv{pid}x{n}. Interface names are this plus two characters (at most 15).</summary>
    public string Prefix { get; }

    public LabHost Client { get; }

    public LabHost Server { get; }

    public LabHost Intranet { get; }

    public IReadOnlyList<LabHost> Hosts => [Client, Server, Intranet];

    /// <summary>A fresh temporary directory for keys, configs and logs; deleted at dispose.</summary>
    public string WorkDir { get; }

    /// <summary>The client's veth towards the server (172.16.0.8/16).</summary>
    public string ClientInterface => Client.Interfaces[0].Name;

    /// <summary>The server's public veth (172.16.1.254/16).</summary>
    public string ServerPublicInterface => Server.Interfaces[0].Name;

    /// <summary>The server's intranet veth (192.168.1.254/24): the masquerade goes out here.</summary>
    public string ServerIntranetInterface => Server.Interfaces[1].Name;

    /// <summary>The intranet host's veth (192.168.1.1/24).</summary>
    public string IntranetInterface => Intranet.Interfaces[0].Name;

    /// <summary>Name of the nftables table <see cref="ApplyMasqueradeAsync"/> creates in the server namespace.</summary>
    public string NatTableName => $"{Prefix}nat";

    public static async Task<ScenarioLab> CreateAsync(CancellationToken cancellationToken = default)
    {
        Prerequisites.EnsureLabCanRun();
        LabJanitor.SweepStale();
        LabJanitor.SweepStaleWorkDirs();

        int n = Interlocked.Increment(ref _counter);
        var lab = new ScenarioLab(string.Create(CultureInfo.InvariantCulture, $"sv{Environment.ProcessId}x{n}"));
        LabJanitor.Register(lab);
        try
        {
            Directory.CreateDirectory(lab.WorkDir);
            LabJanitor.StartWatchdog(lab);
            await lab.BuildTopologyAsync(cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <paramref name="file"/> inside the host's namespace and waits for it (60 s timeout).</summary>
    public Task<CommandResult> RunAsync(LabHost host, string file, params string[] args) =>
        RunAsync(host, DefaultCommandTimeout, file, args);

    /// <summary>Runs <paramref name="file"/> inside the host's namespace and waits for it, killing it after <paramref name="timeout"/>.</summary>
    public async Task<CommandResult> RunAsync(LabHost host, TimeSpan timeout, string file, params string[] args)
    {
        CommandResult result = await ProcessRunner.RunAsync("ip", ["netns", "exec", host.Namespace, file, .. args], timeout, CancellationToken.None);
        return result with { CommandLine = $"[{host.Role}] {ProcessRunner.FormatCommandLine(file, args)}" };
    }

    /// <summary>
    /// Starts a long-running process in the host's namespace. <paramref name="followFile"/> names a log file
    /// the process writes (e.g. openvpn's <c>--log</c>) whose lines join <see cref="LabProcess.Output"/>.
    /// The lab stops it at dispose if the test has not.
    /// </summary>
    public LabProcess StartProcess(LabHost host, string file, string[] args, string? workDir = null, string? followFile = null, bool keepInput = false)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var process = new LabProcess(host, file, args, workDir ?? WorkDir, followFile, keepInput);
        lock (_gate)
        {
            _processes.Add(process);
        }
        return process;
    }

    /// <summary>Runs our own <c>sharpvpn</c> (built next to the test assembly) in the host's namespace.</summary>
    public Task<CommandResult> RunSharpVpnAsync(LabHost host, params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(args);
        return RunAsync(host, file, fullArgs);
    }

    /// <summary>Starts our own <c>sharpvpn</c> as a long-running process in the host's namespace.</summary>
    public LabProcess StartSharpVpn(LabHost host, string[] args, string? followFile = null)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(args);
        return StartProcess(host, file, fullArgs, followFile: followFile);
    }

    /// <summary>Starts the real <c>openvpn --config</c> in the host's namespace, following the log file the config names.</summary>
    public LabProcess StartOpenVpn(LabHost host, OpenVpnConfigFile config) =>
        StartProcess(host, "openvpn", ["--config", config.ConfigPath], followFile: config.LogPath);

    /// <summary>Waits until a TCP socket listens on <paramref name="address"/>:<paramref name="port"/> in the host (for servers that print nothing when ready).</summary>
    public async Task WaitListeningAsync(LabHost host, string address, int port)
    {
        for (int i = 0; i < 100; i++)
        {
            CommandResult ss = await RunAsync(host, "ss", "-Hltn", $"sport = :{port}");
            if (ss.StdOut.Contains($"{address}:{port}", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"nothing listens on {address}:{port} in {host}");
    }

    /// <summary>
    /// Pings <paramref name="address"/> from a host: <paramref name="count"/> echoes 0.2 s apart, giving up after
    /// <paramref name="timeout"/> (default count + 2 s). Never throws for loss; inspect the result.
    /// </summary>
    public async Task<PingResult> PingAsync(LabHost from, string address, int count = 3, TimeSpan? timeout = null)
    {
        int deadline = (int)Math.Ceiling((timeout ?? TimeSpan.FromSeconds(count + 2)).TotalSeconds);
        CommandResult result = await RunAsync(from, TimeSpan.FromSeconds(deadline + 10), "ping",
            "-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1",
            "-w", deadline.ToString(CultureInfo.InvariantCulture), address);
        return PingResult.Parse(address, result.StdOut + result.StdErr);
    }

    /// <summary>
    /// Measures TCP throughput with iperf3 from <paramref name="from"/> to an iperf3 server started (one-off) in
    /// <paramref name="to"/> on <paramref name="toAddress"/>; <paramref name="reverse"/> makes the server send.
    /// </summary>
    public async Task<IperfResult> IperfAsync(
        LabHost from, LabHost to, string toAddress, TimeSpan? duration = null, bool reverse = false, int port = 5201,
        params string[] extraClientArgs)
    {
        int seconds = (int)Math.Ceiling((duration ?? TimeSpan.FromSeconds(3)).TotalSeconds);
        string portText = port.ToString(CultureInfo.InvariantCulture);
        LabProcess server = StartProcess(to, "iperf3", ["-s", "-1", "--forceflush", "-B", toAddress, "-p", portText]);
        try
        {
            await server.WaitForOutputAsync("Server listening", TimeSpan.FromSeconds(10));
            string[] args =
            [
                "-c", toAddress, "-p", portText, "-t", seconds.ToString(CultureInfo.InvariantCulture), "-J",
                .. reverse ? new[] { "-R" } : [], .. extraClientArgs,
            ];
            CommandResult result = await RunAsync(from, TimeSpan.FromSeconds(seconds + 30), "iperf3", args);
            if (!result.Succeeded && !result.StdOut.TrimStart().StartsWith('{'))
            {
                result.EnsureSuccess();
            }
            return IperfResult.Parse(result.StdOut);
        }
        finally
        {
            await server.StopAsync(TimeSpan.FromSeconds(2));
        }
    }

    /// <summary>Loads an nftables ruleset (nft -f syntax) into the host's namespace.</summary>
    public async Task ApplyNftAsync(LabHost host, string ruleset)
    {
        string file = Path.Combine(WorkDir, $"nft-{host.Role}-{Guid.NewGuid():N}.nft");
        await File.WriteAllTextAsync(file, ruleset);
        (await RunAsync(host, "nft", "-f", file)).EnsureSuccess();
    }

    /// <summary>Deletes an nftables table from the host's namespace (deleting the namespace also drops it).</summary>
    public async Task RemoveNftTableAsync(LabHost host, string family, string table) =>
        (await RunAsync(host, "nft", "delete", "table", family, table)).EnsureSuccess();

    /// <summary>The tutorial's source NAT: packets from <paramref name="sourceCidr"/> leaving on the intranet veth take the server's intranet address.</summary>
    public string MasqueradeRuleset(string sourceCidr = VpnPool) => $$"""
        table ip {{NatTableName}} {
            chain postrouting {
                type nat hook postrouting priority srcnat; policy accept;
                ip saddr {{sourceCidr}} oifname "{{ServerIntranetInterface}}" masquerade
            }
        }
        """;

    /// <summary>Applies <see cref="MasqueradeRuleset"/> in the server namespace.</summary>
    public Task ApplyMasqueradeAsync(string sourceCidr = VpnPool) => ApplyNftAsync(Server, MasqueradeRuleset(sourceCidr));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        LabProcess[] processes;
        lock (_gate)
        {
            processes = [.. _processes];
        }
        await Task.WhenAll(processes.Select(p => p.StopAsync(TimeSpan.FromSeconds(3))));
        foreach (LabProcess process in processes)
        {
            await process.DisposeAsync();
        }
        await Task.Run(DeleteNamespacesAndWorkDir);
        LabJanitor.Unregister(this);
    }

    internal static string WorkDirFor(string prefix) => Path.Combine(Path.GetTempPath(), $"sharpvpn-lab-{prefix}");

    /// <summary>Synchronous teardown for process-exit and Ctrl-C handlers.</summary>
    internal void TearDownNow()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        lock (_gate)
        {
            foreach (LabProcess process in _processes)
            {
                process.KillNow();
            }
        }
        DeleteNamespacesAndWorkDir();
    }

    private void DeleteNamespacesAndWorkDir()
    {
        IReadOnlyList<string> existing = LabJanitor.ListNamespaces();
        foreach (LabHost host in Hosts)
        {
            if (existing.Contains(host.Namespace))
            {
                LabJanitor.DeleteNamespace(host.Namespace);
            }
        }
        try
        {
            if (Directory.Exists(WorkDir))
            {
                Directory.Delete(WorkDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless; namespaces and processes are what matter.
        }
    }

    private async Task BuildTopologyAsync(CancellationToken cancellationToken)
    {
        foreach (LabHost host in Hosts)
        {
            await IpAsync(cancellationToken, "netns", "add", host.Namespace);
            await IpAsync(cancellationToken, "-n", host.Namespace, "link", "set", "lo", "up");
        }
        // Each veth end is created directly inside its namespace, so nothing appears in the root namespace.
        await IpAsync(cancellationToken, "link", "add", ClientInterface, "netns", Client.Namespace,
            "type", "veth", "peer", "name", ServerPublicInterface, "netns", Server.Namespace);
        await IpAsync(cancellationToken, "link", "add", ServerIntranetInterface, "netns", Server.Namespace,
            "type", "veth", "peer", "name", IntranetInterface, "netns", Intranet.Namespace);
        foreach (LabHost host in Hosts)
        {
            foreach (LabInterface itf in host.Interfaces)
            {
                await IpAsync(cancellationToken, "-n", host.Namespace, "addr", "add", itf.Cidr, "dev", itf.Name);
                await IpAsync(cancellationToken, "-n", host.Namespace, "link", "set", itf.Name, "up");
            }
        }
        (await ProcessRunner.RunAsync("ip", ["netns", "exec", Server.Namespace, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
            DefaultCommandTimeout, cancellationToken)).EnsureSuccess();
    }

    private static async Task IpAsync(CancellationToken cancellationToken, params string[] args) =>
        (await ProcessRunner.RunAsync("ip", args, DefaultCommandTimeout, cancellationToken)).EnsureSuccess();
}
