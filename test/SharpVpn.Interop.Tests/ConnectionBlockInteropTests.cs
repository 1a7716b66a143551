using System.Diagnostics;
using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// A profile with <c>&lt;connection&gt;</c> blocks against the real openvpn 2.6 server, under our client and under the
/// real openvpn client: the first block's server never answers (its UDP port is dropped) and its own
/// <c>server-poll-timeout 3</c> moves the client on, the second block reaches the server over TCP.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class ConnectionBlockInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    [Fact]
    public async Task SecondBlock_IsTriedAfterTheFirstBlocksOwnPollTimeout_UnderOurClientAndTheRealOne()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Modern with { Proto = "tcp" };
        await s.StartServerAsync(v);
        // Nothing answers on UDP 1199: no ICMP error either, so only a poll timeout moves a client on.
        await DropUdpPortAsync(s.Lab, 1199);

        // The global server-poll-timeout (60 s) is longer than the test waits: only the block's own 3 s lets it through.
        string Profile(string text) =>
            RemoteAndProto().Replace(text, "") +
            "server-poll-timeout 60\n" +
            $"<connection>\nremote {ScenarioLab.ServerPublicAddress} 1199 udp\nserver-poll-timeout 3\n</connection>\n" +
            $"<connection>\nremote {ScenarioLab.ServerPublicAddress} {v.Port} tcp-client\n</connection>\n";

        foreach (bool real in new[] { false, true })
        {
            OpenVpnConfigFile config = s.WriteClientConfig(v, edit: Profile, fileName: real ? "real" : "ours");
            var watch = Stopwatch.StartNew();
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            output.WriteLine($"{(real ? "openvpn" : "sharpvpn")} client connected through the second block after {watch.Elapsed.TotalSeconds:F1} s");

            // openvpn's timers tick in whole seconds, so its 3 s poll timeout may fire after 2.
            Assert.True(watch.Elapsed >= TimeSpan.FromSeconds(2), "the first block's server cannot have answered");
            int udp = client.Lines.ToList().FindIndex(l => l.Contains($"UDPv4 link remote: [AF_INET]{ScenarioLab.ServerPublicAddress}:1199", StringComparison.Ordinal));
            int tcp = client.Lines.ToList().FindIndex(l => l.Contains($"TCP connection established with [AF_INET]{ScenarioLab.ServerPublicAddress}:{v.Port}", StringComparison.Ordinal));
            Assert.True(udp >= 0 && tcp > udp, "the first block is tried first, then the second");
            Assert.Contains(client.Lines, l => l.Contains($"TCP connection established with [AF_INET]{ScenarioLab.ServerPublicAddress}:{v.Port}", StringComparison.Ordinal));
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();
        }
    }

    private static Task DropUdpPortAsync(ScenarioLab lab, int port) => lab.ApplyNftAsync(lab.Server, $$"""
        table inet svdrop {
          chain in { type filter hook input priority 0; udp dport {{port}} drop; }
        }
        """);

    [GeneratedRegex(@"^(remote|proto) .*\n", RegexOptions.Multiline)]
    private static partial Regex RemoteAndProto();
}
