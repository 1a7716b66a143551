using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR server (<c>sharpvpn server</c>) with REAL openvpn 2.6 clients under load: bulk TCP through the TUN offloads,
/// twenty clients at once, iperf against the real server, and a flood of garbage and forged resets.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerLoadInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task BulkTcpBothWays_WithRealClient_GoesThroughTunOffloads_Sigusr2ShowsIt()
    {
        // Issue 7: the server's TUN fast path in use with a real openvpn 2.6 client. Client -> intranet traffic leaves
        // the server's TUN merged into super-segments; intranet -> client traffic comes in as TSO super-segments.
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        await s.ConnectRealClientAsync();
        LabProcess iperf = s.Lab.StartProcess(s.Lab.Intranet, "iperf3", ["-s", "--forceflush"]);
        await iperf.WaitForOutputAsync("Server listening", TimeSpan.FromSeconds(10));
        foreach (string[] direction in new[] { Array.Empty<string>(), ["-R"] })
        {
            (await s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(30), "iperf3", ["-c", ScenarioLab.IntranetAddress, "-t", "3", .. direction])).EnsureSuccess();
        }

        int mark = s.Server!.LineCount;
        output.WriteLine(await TunOffloadLine.SignalAndAssertAsync(s.Lab, s.Lab.Server, s.Server, StartTimeout));
        Assert.Contains(s.Server.Lines.Skip(mark), l => l.Contains("Common Name,Real Address", StringComparison.Ordinal)); // the status report
    }

    [Fact]
    public async Task Measure_TwentyRealClientsAtOnce_HandshakeTimeAndMemoryPerClient()
    {
        const int count = 20;
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string socket = Path.Combine(s.Lab.WorkDir, "mgmt.sock");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["duplicate-cn", $"management {socket} unix"] });
        await Task.Delay(TimeSpan.FromSeconds(2));
        long rssIdle = s.ServerRssKb();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var clients = new List<LabProcess>();
        for (int i = 0; i < count; i++)
        {
            // One namespace, many tun devices: the pushed routes would collide, so the clients ignore them.
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-nopull"] });
            string own = Path.Combine(Path.GetDirectoryName(config.ConfigPath)!, $"c{i}.conf");
            File.WriteAllText(own, File.ReadAllText(config.ConfigPath).Replace(config.LogPath, Path.ChangeExtension(own, ".log"), StringComparison.Ordinal));
            clients.Add(s.StartRealClient(new OpenVpnConfigFile(own, Path.ChangeExtension(own, ".log"), string.Empty)));
        }

        await Task.WhenAll(clients.Select(c => c.WaitForOutputAsync("Initialization Sequence Completed", TimeSpan.FromSeconds(90))));
        long allConnectedMs = watch.ElapsedMilliseconds;
        await Task.Delay(TimeSpan.FromSeconds(3));
        long rssConnected = s.ServerRssKb();
        using ServerManagementClient m = await ServerManagementClient.ConnectAsync(socket);
        string stats = (await m.CommandAsync("load-stats"))[0];
        output.WriteLine($"{count} real clients started together: all connected after {allConnectedMs} ms; server RSS idle {rssIdle} kB, with {count} clients {rssConnected} kB => {(rssConnected - rssIdle) / count} kB per client\n{stats}");
        Assert.Contains($"nclients={count},", stats, StringComparison.Ordinal);
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, "10.0.1.1", count: 3);
        Assert.True(ping.AllReceived, ping.ToString());
    }

    [Fact]
    public async Task Measure_IperfThroughOurServerVersusRealOpenVpnServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Modern;
        var results = new List<string>();
        foreach (bool ours in new[] { true, false })
        {
            if (ours)
            {
                await s.StartServerAsync(v);
            }
            else
            {
                s.UseRealOpenVpnServer(v);
                await s.RestartServerAsync(real: true);
            }

            LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            IperfResult up = await s.Lab.IperfAsync(s.Lab.Client, s.Lab.Intranet, ScenarioLab.IntranetAddress, TimeSpan.FromSeconds(4));
            IperfResult down = await s.Lab.IperfAsync(s.Lab.Client, s.Lab.Intranet, ScenarioLab.IntranetAddress, TimeSpan.FromSeconds(4), reverse: true);
            results.Add($"{(ours ? "sharpvpn server" : "openvpn 2.6 server")} (real openvpn client, AES-256-GCM): client->intranet {up}; intranet->client {down}");
            Assert.True(up.Mbps > 10 && down.Mbps > 10, results[^1]);
            await client.StopAsync();
            await s.Server!.StopAsync();
        }

        output.WriteLine(string.Join('\n', results));
    }

    [Fact]
    public async Task Case8_FloodOfRandomDatagramsAndBadHmacResets_NoStateNoRepliesClientKeepsWorking()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string socket = Path.Combine(s.Lab.WorkDir, "mgmt.sock");
        await s.StartServerAsync(OpenVpnVariant.Tutorial with { ServerExtra = [$"management {socket} unix"] });
        LabProcess real = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Tutorial));
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        using ServerManagementClient m = await ServerManagementClient.ConnectAsync(socket);
        string before = (await m.CommandAsync("load-stats"))[0];
        long rssBefore = s.ServerRssKb();

        string script = Path.Combine(s.Lab.WorkDir, "flood.py");
        File.WriteAllText(script, FloodScript);
        Task<PingResult> during = s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 40, timeout: TimeSpan.FromSeconds(30));
        CommandResult flood = await s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(120), "python3", script, ScenarioLab.ServerPublicAddress, "1194");
        flood.EnsureSuccess();
        PingResult pingDuring = await during;
        await Task.Delay(TimeSpan.FromSeconds(3));
        string afterStats = (await m.CommandAsync("load-stats"))[0];
        long rssAfter = s.ServerRssKb();
        output.WriteLine($"flood: {flood.StdOut.Trim()}\nbefore: {before}\nafter:  {afterStats}\nping during flood: {pingDuring}\nRSS before {rssBefore} kB, after {rssAfter} kB");

        Assert.Contains("sent=11000 replies=0", flood.StdOut, StringComparison.Ordinal);
        Assert.Contains("created=1,", afterStats, StringComparison.Ordinal);          // no client state from the flood
        Assert.Equal(Stat(before, "gate_replies"), Stat(afterStats, "gate_replies")); // no stateless reply either
        // Every flood datagram was dropped before any state: by the gate, or (random bytes with a data opcode) as data
        // for no client / failing authentication (those count in the client's pipe, not here).
        Assert.True(Stat(afterStats, "gate_drops") - Stat(before, "gate_drops") >= 1000 + 9000, afterStats);
        Assert.True(pingDuring.Received >= pingDuring.Sent - 2, pingDuring.ToString());
        await s.AssertIntranetReachableAsync();
        Assert.True(rssAfter - rssBefore < 16 * 1024, $"RSS grew by {rssAfter - rssBefore} kB");
    }

    private const string FloodScript = """
        import os, random, socket, struct, sys, time
        host, port = sys.argv[1], int(sys.argv[2])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setblocking(False)
        sent = 0
        for i in range(10000):
            s.sendto(os.urandom(random.randint(1, 1400)), (host, port)); sent += 1
            if i % 500 == 0: time.sleep(0.01)
        for i in range(1000):
            # P_CONTROL_HARD_RESET_CLIENT_V2, key 0 | sid | HMAC-SHA1 (wrong) | replay pid 1 | time | ack len 0 | msg id 0
            pkt = bytes([7 << 3]) + os.urandom(8) + os.urandom(20) + struct.pack(">II", 1, int(time.time())) + b"\x00" + struct.pack(">I", 0)
            s.sendto(pkt, (host, port)); sent += 1
            if i % 100 == 0: time.sleep(0.01)
        replies = 0
        end = time.time() + 3
        while time.time() < end:
            try:
                s.recvfrom(4096); replies += 1
            except BlockingIOError:
                time.sleep(0.05)
        print(f"sent={sent} replies={replies}")
        """;

    private static long Stat(string loadStats, string name)
    {
        Match match = Regex.Match(loadStats, $@"\b{name}=(\d+)");
        Assert.True(match.Success, $"{name} missing in '{loadStats}'");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }
}
