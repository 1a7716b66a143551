using System.Diagnostics;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>inactive</c> and <c>session-timeout</c> beside the real openvpn 2.6: the client's own <c>inactive</c> under our
/// client and the real one, the server's <c>inactive</c> under our server and the real one, and a pushed
/// <c>session-timeout</c>. The servers ping every second, so only tunnel traffic (not keepalive) may count as activity.
/// </summary>
[Trait("Category", "Interop")]
public sealed class SessionLimitInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;
    private static readonly OpenVpnVariant Pinging = OpenVpnVariant.Modern with { ServerExtra = ["keepalive 1 10"] };

    [Fact]
    public async Task ClientInactive_EndsTheClientAfterTheLastTunnelTraffic_OursAsTheRealClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await WithoutIpv6OnNewDevicesAsync(s);
        await s.StartEitherServerAsync(Pinging, real: true);
        foreach (bool real in new[] { false, true })
        {
            LabProcess client = await ConnectAsync(s, real, s.WriteClientConfig(Pinging, edit: t => t + "inactive 4\n"));

            // 7 s of pings through the tunnel, longer than 'inactive 4': only this traffic keeps the client up.
            PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 35);
            Assert.True(ping.AllReceived, ping.ToString());
            Assert.False(client.HasExited, $"{Name(real)}: tunnel traffic is activity");

            var idle = Stopwatch.StartNew();
            await client.WaitForOutputAsync("Inactivity timeout (--inactive), exiting", TimeSpan.FromSeconds(15));
            await client.WaitForOutputAsync("SIGTERM[soft,inactive] received, process exiting", TimeSpan.FromSeconds(10));
            output.WriteLine($"{Name(real)} client ended {idle.Elapsed.TotalSeconds:F1} s after the last ping (inactive 4)");
            Assert.InRange(idle.Elapsed.TotalSeconds, 2.5, 10); // openvpn's timers tick in whole seconds; ours sample once a second
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task ServerInactive_DropsAnIdleClient_OursAsTheRealServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await WithoutIpv6OnNewDevicesAsync(s);
        OpenVpnVariant v = Pinging with { ServerExtra = [.. Pinging.ServerExtra, "inactive 3"] };
        foreach (bool real in new[] { false, true })
        {
            await s.StartEitherServerAsync(v, real);
            LabProcess client = await ConnectAsync(s, realClient: true, s.WriteClientConfig(v));

            PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 25);
            Assert.True(ping.AllReceived, ping.ToString());
            Assert.DoesNotContain(s.Server!.Lines, l => l.Contains("Inactivity timeout (--inactive)", StringComparison.Ordinal));

            var idle = Stopwatch.StartNew();
            await s.Server.WaitForOutputAsync("Inactivity timeout (--inactive), exiting", TimeSpan.FromSeconds(15));
            await s.Server.WaitForOutputAsync("SIGTERM[soft,inactive]", TimeSpan.FromSeconds(5));
            output.WriteLine($"{Name(real)} server dropped the client {idle.Elapsed.TotalSeconds:F1} s after the last ping (inactive 3)");
            Assert.InRange(idle.Elapsed.TotalSeconds, 1.5, 9);
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task PushedSessionTimeout_EndsTheClientWhateverItsTraffic()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = Pinging with { ServerExtra = [.. Pinging.ServerExtra, "push \"session-timeout 4\""] };
        foreach ((bool realServer, bool realClient) in new[] { (true, false), (true, true), (false, true) })
        {
            await s.StartEitherServerAsync(v, realServer);
            LabProcess client = await ConnectAsync(s, realClient, s.WriteClientConfig(v));
            var connected = Stopwatch.StartNew();
            Task<PingResult> traffic = s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 40, timeout: TimeSpan.FromSeconds(9));

            await client.WaitForOutputAsync("Session timeout, exiting", TimeSpan.FromSeconds(15));
            await client.WaitForOutputAsync("SIGTERM[soft,session-timeout] received, process exiting", TimeSpan.FromSeconds(10));
            output.WriteLine($"{Name(realClient)} client under the {Name(realServer)} server ended {connected.Elapsed.TotalSeconds:F1} s after connecting");
            Assert.InRange(connected.Elapsed.TotalSeconds, 2.5, 9);
            PingResult ping = await traffic;
            Assert.True(ping.Received > 5, ping.ToString()); // traffic flowed until the end
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task PingExit_EndsTheClientWhenTheServerFallsSilent_OursAsTheRealClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        foreach (bool real in new[] { false, true })
        {
            await s.StartEitherServerAsync(Pinging, real: true);
            LabProcess client = await ConnectAsync(s, real, s.WriteClientConfig(Pinging, edit: t => t + "ping-exit 3\n"));

            await Task.Delay(TimeSpan.FromSeconds(4)); // the server's pings (every second) keep it up
            Assert.False(client.HasExited, $"{Name(real)}: pings are packets from the peer");
            await s.Server!.StopAsync();
            var silent = Stopwatch.StartNew();
            // OpenVPN has one ping-receive timer: the pushed "ping-restart 10" replaced ping-exit for the connection, so
            // the client restarts after 10 s of silence, and the config's ping-exit 3 ends the reconnection attempt.
            await client.WaitForOutputAsync("Inactivity timeout (--ping-restart), restarting", TimeSpan.FromSeconds(20));
            await client.WaitForOutputAsync("Inactivity timeout (--ping-exit), exiting", TimeSpan.FromSeconds(15));
            await client.WaitForOutputAsync("SIGTERM[soft,ping-exit] received, process exiting", TimeSpan.FromSeconds(10));
            output.WriteLine($"{Name(real)} client ended {silent.Elapsed.TotalSeconds:F1} s after the server stopped (ping-restart 10 pushed, ping-exit 3)");
            Assert.InRange(silent.Elapsed.TotalSeconds, 11, 20);
            await client.StopAsync();
        }
    }

    /// <summary>
    /// The kernel's own IPv6 packets on a new tun device (router solicitations and MLD reports seconds after it comes
    /// up, on either end) are tunnel traffic to openvpn and to us alike and would move the inactivity timer at random;
    /// the tun devices of this test get no IPv6.
    /// </summary>
    private static async Task WithoutIpv6OnNewDevicesAsync(ServerScenario s)
    {
        foreach (LabHost host in new[] { s.Lab.Client, s.Lab.Server })
        {
            (await s.Lab.RunAsync(host, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")).EnsureSuccess();
        }
    }

    private static async Task<LabProcess> ConnectAsync(ServerScenario s, bool realClient, OpenVpnConfigFile config)
    {
        LabProcess client = realClient ? s.StartRealClient(config) : s.StartOurClient(config);
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        return client;
    }

    private static string Name(bool real) => real ? "openvpn" : "sharpvpn";
}
