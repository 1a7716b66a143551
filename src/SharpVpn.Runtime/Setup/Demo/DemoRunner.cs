using System.Globalization;
using System.Text.RegularExpressions;
using SharpVpn.Platform;

namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>
/// <c>sharpvpn demo</c>: the whole tutorial on this machine. Builds the three hosts in namespaces,
/// runs quickstart in the VPN host, starts the server there, connects a client with the generated
/// profile, pings the intranet host before and after, shows the client's address and the server's
/// status, then removes everything (<see cref="Teardown"/> runs on success, failure, cancellation
/// and from the CLI's signal and exit handlers).
/// </summary>
public sealed partial class DemoRunner : IDisposable
{
    private static readonly string[] s_connectionMarkers =
    [
        "TCP/UDP: Preserving", "UDP link remote", "TCP connection established", "TLS: Initial packet", "VERIFY OK", "Peer Connection Initiated",
        "Control Channel:", "PUSH: Received", "Data Channel:", "TUN/TAP device", "net_addr_v4_add", "net_route_v4_add", "add_route",
        "Initialization Sequence Completed",
    ];

    private readonly DemoOptions _options;
    private readonly IDemoObserver _observer;
    private readonly DemoNetwork _network;
    private readonly string _workDir;
    private readonly List<DemoProcess> _processes = [];
    private readonly Lock _gate = new();
    private int _tornDown;

    public DemoRunner(DemoOptions options, IDemoObserver observer)
    {
        _options = options;
        _observer = observer;
        _network = new DemoNetwork(Environment.ProcessId);
        _workDir = Path.Combine(Path.GetTempPath(), $"sharpvpn-demo-{_network.Prefix}");
    }

    /// <summary>sv + pid: the prefix of every namespace and interface the demo makes.</summary>
    public string Prefix => _network.Prefix;

    public async Task<DemoResult> RunAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> self = _options.SharpVpnCommand ?? SelfCommand.Current();
        if (_options.Client == DemoClientKind.OpenVpn && CommandRunner.FindProgram("openvpn") is null)
        {
            throw new InvalidOperationException("--client openvpn needs the openvpn program (apt-get install openvpn).");
        }

        try
        {
            Step("Building the tutorial's three hosts in network namespaces", () =>
            {
                _network.Build();
                Directory.CreateDirectory(_workDir);
                return $"client {DemoNetwork.ClientAddress}/16 ({_network.Client}), VPN server {DemoNetwork.ServerPublicAddress}/16 + "
                    + $"{DemoNetwork.ServerIntranetAddress}/24 ({_network.Server}), intranet host {DemoNetwork.IntranetAddress}/24 without a gateway ({_network.Intranet})";
            });
            await NextStepAsync(cancellationToken);

            string before = $"Client pings the intranet host {DemoNetwork.IntranetAddress} (no tunnel yet)";
            _observer.StepStarted(before);
            bool pingBefore = await PingAsync(2, cancellationToken);
            _observer.StepFinished(before, pingBefore ? DemoStepOutcome.Failed : DemoStepOutcome.FailedAsExpected,
                pingBefore ? "it answered: the lab is not isolated" : "no answer, as in the tutorial: the client has no route to 192.168.1.0/24");
            await NextStepAsync(cancellationToken);

            string dataDir = Path.Combine(_workDir, "sharpvpn");
            string quickstart = "sharpvpn quickstart on the VPN server";
            _observer.StepStarted(quickstart);
            using (var qs = Start(_network.Server, [.. self, "quickstart", "--no-start", "--dir", dataDir, "--public-address", DemoNetwork.ServerPublicAddress]))
            {
                await WaitForExitAsync(qs, TimeSpan.FromSeconds(60), cancellationToken);
                if (qs.ExitCode != 0)
                {
                    Fail(quickstart, $"quickstart exited with {qs.ExitCode}: {LastLines(qs.Output)}");
                }

                foreach (string line in qs.Output.Split('\n').Where(l => l.StartsWith("  created", StringComparison.Ordinal) || l.StartsWith("Routes:", StringComparison.Ordinal)))
                {
                    _observer.Detail(line.Trim());
                }
            }

            _observer.StepFinished(quickstart, DemoStepOutcome.Succeeded, $"PKI, tls-crypt key, server.conf and a profile in {dataDir}");
            await NextStepAsync(cancellationToken);

            string serverStep = "Starting the VPN server (sharpvpn server)";
            _observer.StepStarted(serverStep);
            DemoProcess server = Start(_network.Server, [.. self, "server", "--config", Path.Combine(dataDir, "server.conf")]);
            if (!await server.WaitForAsync("Initialization Sequence Completed", _options.StartTimeout, cancellationToken))
            {
                Fail(serverStep, $"the server did not start: {LastLines(server.Output)}");
            }

            _observer.StepFinished(serverStep, DemoStepOutcome.Succeeded, $"listening on udp {DemoNetwork.ServerPublicAddress}:1194, NAT onto 192.168.1.0/24");
            await NextStepAsync(cancellationToken);

            string profile = Path.Combine(dataDir, "clients", "client1.ovpn");
            string clientName = _options.Client == DemoClientKind.OpenVpn ? "openvpn" : "sharpvpn client";
            string connect = $"Connecting the client ({clientName} --config client1.ovpn)";
            _observer.StepStarted(connect);
            string[] clientCommand = _options.Client == DemoClientKind.OpenVpn
                ? ["openvpn", "--config", profile]
                : [.. self, "client", "--config", profile];
            DemoProcess client = Start(_network.Client, clientCommand, ConnectionLine);
            if (!await client.WaitForAsync("Initialization Sequence Completed", _options.StartTimeout, cancellationToken))
            {
                Fail(connect, $"the client did not connect: {LastLines(client.Output)}");
            }

            _observer.StepFinished(connect, DemoStepOutcome.Succeeded, "certificates checked both ways, keys agreed, address and routes pushed");
            await NextStepAsync(cancellationToken);

            string? address = TunnelAddress();
            _observer.StepStarted("Client's tunnel address");
            _observer.StepFinished("Client's tunnel address", address is null ? DemoStepOutcome.Failed : DemoStepOutcome.Succeeded, address ?? "no tun address found");
            await NextStepAsync(cancellationToken);

            string after = $"Client pings the intranet host {DemoNetwork.IntranetAddress} through the tunnel";
            _observer.StepStarted(after);
            bool pingAfter = await PingAsync(3, cancellationToken);
            _observer.StepFinished(after, pingAfter ? DemoStepOutcome.Succeeded : DemoStepOutcome.Failed,
                pingAfter ? "answered: encrypted to the server, NATed to 192.168.1.254, and back" : "no answer");
            await NextStepAsync(cancellationToken);

            _observer.StepStarted("Server status");
            IReadOnlyList<ConnectedClient> status = await StatusAsync(dataDir, cancellationToken);
            _observer.StepFinished("Server status", status.Count > 0 ? DemoStepOutcome.Succeeded : DemoStepOutcome.Failed,
                status.Count > 0 ? $"{status.Count} client(s) connected" : "no client in the status");
            await NextStepAsync(cancellationToken);
            _observer.ServerStatus(address ?? "", status);
            return new DemoResult { PingBeforeFailed = !pingBefore, PingAfterSucceeded = pingAfter, ClientAddress = address, ServerStatus = status };
        }
        finally
        {
            string teardown = "Tearing down (processes, namespaces, files)";
            _observer.StepStarted(teardown);
            Teardown();
            _observer.StepFinished(teardown, DemoStepOutcome.Succeeded, $"no {_network.Prefix}-* namespaces or processes left");
        }
    }

    /// <summary>Stops every child (SIGTERM, then SIGKILL), deletes the namespaces and the work dir. Idempotent, thread-safe.</summary>
    public void Teardown()
    {
        if (Interlocked.Exchange(ref _tornDown, 1) != 0)
        {
            return;
        }

        DemoProcess[] processes;
        lock (_gate)
        {
            processes = [.. _processes];
        }

        // Client first, so the server can still see it say goodbye; then the server (removes its NAT table).
        foreach (DemoProcess p in processes.Reverse())
        {
            p.Stop(TimeSpan.FromSeconds(5));
        }

        _network.Dispose();
        try
        {
            if (Directory.Exists(_workDir))
            {
                Directory.Delete(_workDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
    }

    public void Dispose()
    {
        Teardown();
        foreach (DemoProcess p in _processes)
        {
            p.Dispose();
        }
    }

    /// <summary>Between steps: stop if interrupted, else the optional pause (interruptible too).</summary>
    private async Task NextStepAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_options.StepPause > TimeSpan.Zero)
        {
            await Task.Delay(_options.StepPause, cancellationToken);
        }
    }

    private void Step(string title, Func<string> action)
    {
        _observer.StepStarted(title);
        string detail;
        try
        {
            detail = action();
        }
        catch (Exception ex)
        {
            _observer.StepFinished(title, DemoStepOutcome.Failed, ex.Message);
            throw;
        }

        _observer.StepFinished(title, DemoStepOutcome.Succeeded, detail);
    }

    private void Fail(string title, string why)
    {
        _observer.StepFinished(title, DemoStepOutcome.Failed, why);
        throw new InvalidOperationException($"Demo step '{title}' failed: {why}");
    }

    private DemoProcess Start(string ns, IReadOnlyList<string> command, Action<string>? onLine = null)
    {
        if (Volatile.Read(ref _tornDown) != 0)
        {
            throw new OperationCanceledException("The demo is shutting down.");
        }

        var process = new DemoProcess(ns, command, onLine);
        lock (_gate)
        {
            _processes.Add(process);
        }

        return process;
    }

    private void ConnectionLine(string line)
    {
        string text = TimestampPattern().Replace(line, "").Trim();
        if (text.Length > 0 && s_connectionMarkers.Any(m => text.Contains(m, StringComparison.Ordinal)))
        {
            _observer.Detail(text.Length > 140 ? text[..140] + "..." : text);
        }
    }

    private static async Task WaitForExitAsync(DemoProcess process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!await process.WaitForExitAsync(timeout, cancellationToken))
        {
            throw new TimeoutException($"A demo step took more than {timeout.TotalSeconds:0} s: {LastLines(process.Output)}");
        }
    }

    private async Task<bool> PingAsync(int count, CancellationToken cancellationToken)
    {
        int deadline = count + 2;
        var runner = new CommandRunner(_network.Client) { Timeout = TimeSpan.FromSeconds(deadline + 10) };
        CommandResult result = await Task.Run(() => runner.Run("ping",
            ["-n", "-c", count.ToString(CultureInfo.InvariantCulture), "-i", "0.2", "-W", "1", "-w", deadline.ToString(CultureInfo.InvariantCulture), DemoNetwork.IntranetAddress]),
            cancellationToken);
        Match m = ReceivedPattern().Match(result.StandardOutput);
        return m.Success && int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > 0;
    }

    private string? TunnelAddress()
    {
        // "4: tun0    inet 10.8.0.2/24 scope global tun0 ..." - the one that is neither loopback nor our veth.
        string text = new CommandRunner(_network.Client).Run("ip", ["-4", "-o", "addr", "show"]).StandardOutput;
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 1 && words[1] != "lo" && !words[1].StartsWith(_network.Prefix, StringComparison.Ordinal))
            {
                Match m = InetPattern().Match(line);
                if (m.Success)
                {
                    return $"{m.Groups[1].Value} on {words[1]}";
                }
            }
        }

        return null;
    }

    private static async Task<IReadOnlyList<ConnectedClient>> StatusAsync(string dataDir, CancellationToken cancellationToken)
    {
        var dir = new DataDirectory(dataDir);
        var manager = new ProfileManager(dir);
        // Live from the management socket; the status file is rewritten every 10 s, so wait for it if needed.
        for (int i = 0; i < 24; i++)
        {
            IReadOnlyList<ConnectedClient> clients = manager.ConnectedClients();
            if (clients.Count > 0)
            {
                return clients;
            }

            await Task.Delay(500, cancellationToken);
        }

        return [];
    }

    private static string LastLines(string output) =>
        string.Join(" / ", output.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(4).Select(l => TimestampPattern().Replace(l, "").Trim()));

    [GeneratedRegex(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? ")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"(\d+) (packets )?received")]
    private static partial Regex ReceivedPattern();

    [GeneratedRegex(@"inet (\S+)")]
    private static partial Regex InetPattern();
}
