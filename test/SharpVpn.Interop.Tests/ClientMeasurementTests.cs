using System.Globalization;
using System.Text.Json;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Side-by-side figures for issue 4/7: handshake time (process start to "Initialization Sequence Completed") and
/// iperf3 TCP throughput client -> intranet, of our client and of the real openvpn 2.6 client, against the same
/// real openvpn server with the same config (AES-256-GCM, tls-crypt, topology subnet). The figures are printed;
/// the assertions check that both clients worked and that our client's bulk traffic used the TUN offloads.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientMeasurementTests(ITestOutputHelper output)
{
    private const int HandshakeRuns = 3;

    [Fact]
    public async Task HandshakeTimeAndThroughput_OursVersusRealOpenVpnClient()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        LabProcess iperf = s.Lab.StartProcess(s.Lab.Intranet, "iperf3", ["-s", "--forceflush"]);
        await iperf.WaitForOutputAsync("Server listening", TimeSpan.FromSeconds(10));

        var results = new List<string>();
        foreach (bool ours in new[] { true, false })
        {
            string name = ours ? "sharpvpn" : "openvpn";
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { Verb = 3 }, fileName: name);
            var times = new List<double>();
            double mbps = 0;
            double reverseMbps = 0;
            for (int run = 0; run < HandshakeRuns; run++)
            {
                File.Delete(config.LogPath);
                (LabProcess client, TimeSpan handshake) = await s.StartAndTimeAsync(() => ours ? s.StartOurClient(config) : s.StartRealClient(config));
                times.Add(handshake.TotalMilliseconds);
                output.WriteLine($"{name} run {run}: first log line at {client.TimeOfFirst(" ")?.TotalMilliseconds:0} ms, "
                    + $"link up at {client.TimeOfFirst("link remote")?.TotalMilliseconds:0} ms, peer connection at {client.TimeOfFirst("Peer Connection Initiated")?.TotalMilliseconds:0} ms, "
                    + $"TUN opened at {client.TimeOfFirst("TUN/TAP device")?.TotalMilliseconds:0} ms, init completed at {handshake.TotalMilliseconds:0} ms");
                if (run == HandshakeRuns - 1)
                {
                    await s.AssertIntranetReachableAsync();
                    mbps = await IperfMbpsAsync(s, reverse: false);
                    reverseMbps = await IperfMbpsAsync(s, reverse: true);
                    if (ours)
                    {
                        // Bulk TCP both ways went through the TUN offloads (TSO reads, merged writes), not packet by
                        // packet: read from the SIGUSR2 statistics, as an operator would.
                        output.WriteLine(await TunOffloadLine.SignalAndAssertAsync(s.Lab, s.Lab.Client, client, TimeSpan.FromSeconds(10)));
                    }
                }

                await client.StopAsync();
                await Task.Delay(TimeSpan.FromSeconds(1)); // let the server drop the previous instance
            }

            times.Sort();
            string line = $"{name}: handshake median {times[times.Count / 2]:0} ms (runs: {string.Join(", ", times.Select(t => t.ToString("0", CultureInfo.InvariantCulture)))} ms); iperf3 TCP 5 s client->intranet: {mbps:0.0} Mbit/s, intranet->client (-R): {reverseMbps:0.0} Mbit/s";
            results.Add(line);
            Assert.True(mbps > 0 && reverseMbps > 0, line);
        }

        foreach (string line in results)
        {
            output.WriteLine(line);
        }
    }

    private static async Task<double> IperfMbpsAsync(ClientScenario s, bool reverse)
    {
        string[] args = reverse
            ? ["-c", ScenarioLab.IntranetAddress, "-t", "5", "-J", "-R"]
            : ["-c", ScenarioLab.IntranetAddress, "-t", "5", "-J"];
        CommandResult r = (await s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(30), "iperf3", args)).EnsureSuccess();
        using JsonDocument doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble() / 1e6;
    }
}
