using System.Globalization;
using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>mark N</c> and <c>bind-dev DEV</c> on the tunnel's socket, beside the real openvpn 2.6: an nftables counter in
/// the sender's namespace counts the packets that leave with the mark (the kernel sees it, so <c>ip rule fwmark</c>
/// routing works), and a socket bound to the wrong device never reaches the server.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class LinkSocketInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task ClientMarkAndBindDev_OursAsTheRealClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartEitherServerAsync(OpenVpnVariant.Modern, real: true);
        await CountMarkedAsync(s.Lab, s.Lab.Client, mark: 42, "udp dport 1194");
        foreach (bool real in new[] { false, true })
        {
            string who = real ? "openvpn" : "sharpvpn";
            await ResetCounterAsync(s.Lab, s.Lab.Client);
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern, edit: t => t + $"mark 42\nbind-dev {s.Lab.ClientInterface}\n");
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            long marked = await MarkedPacketsAsync(s.Lab, s.Lab.Client);
            output.WriteLine($"{who} client: {marked} packets to the server left with mark 42");
            Assert.True(marked >= 5, $"{who}: {marked} marked packets");
            Assert.Contains(client.Lines, l => l.Contains($"Using bind-dev {s.Lab.ClientInterface}", StringComparison.Ordinal));
            await client.StopAsync();

            // Bound to the loopback device, the socket has no way to the server.
            OpenVpnConfigFile lo = s.WriteClientConfig(OpenVpnVariant.Modern, edit: t => t + "bind-dev lo\nserver-poll-timeout 60\n");
            LabProcess stranded = real ? s.StartRealClient(lo) : s.StartOurClient(lo);
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.DoesNotContain(stranded.Lines, l => l.Contains("Initialization Sequence Completed", StringComparison.Ordinal));
            await stranded.StopAsync();
        }
    }

    [Fact]
    public async Task ServerMark_OursAsTheRealServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["mark 7"] };
        await CountMarkedAsync(s.Lab, s.Lab.Server, mark: 7, "udp sport 1194");
        foreach (bool real in new[] { false, true })
        {
            await s.StartEitherServerAsync(v, real);
            await ResetCounterAsync(s.Lab, s.Lab.Server);
            LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            long marked = await MarkedPacketsAsync(s.Lab, s.Lab.Server);
            output.WriteLine($"{(real ? "openvpn" : "sharpvpn")} server: {marked} packets to the client left with mark 7");
            Assert.True(marked >= 5, $"{marked} marked packets");
            await client.StopAsync();
        }
    }

    private static Task CountMarkedAsync(ScenarioLab lab, LabHost host, int mark, string match) => lab.ApplyNftAsync(host, $$"""
        table inet svmark {
          chain out { type filter hook output priority 0; meta mark {{mark}} {{match}} counter; }
        }
        """);

    private static async Task ResetCounterAsync(ScenarioLab lab, LabHost host) =>
        (await lab.RunAsync(host, "nft", "reset", "counters", "table", "inet", "svmark")).EnsureSuccess();

    private static async Task<long> MarkedPacketsAsync(ScenarioLab lab, LabHost host)
    {
        CommandResult list = await lab.RunAsync(host, "nft", "list", "chain", "inet", "svmark", "out");
        list.EnsureSuccess();
        Match m = Counter().Match(list.StdOut);
        return m.Success ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex Counter();
}
