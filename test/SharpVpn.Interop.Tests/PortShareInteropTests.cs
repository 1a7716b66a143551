using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>port-share</c> on our TCP server and on the real openvpn 2.6 server with the same config: one port carries the
/// VPN (the real openvpn client connects through it) and the web server's traffic (an HTTP request to the VPN port
/// is answered by the web server behind it), and the journal directory names the real client while it is relayed.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PortShareInteropTests(ITestOutputHelper output)
{
    private const int WebPort = 8080;
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;
    private static readonly OpenVpnVariant Tcp = OpenVpnVariant.Modern with { Proto = "tcp" };

    [Fact]
    public async Task OneTcpPort_CarriesTheVpnAndTheWebServer_OnOurServerAndTheRealOne()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string site = Path.Combine(s.Lab.WorkDir, "site");
        Directory.CreateDirectory(site);
        string page = $"intranet portal {Guid.NewGuid():N}";
        File.WriteAllText(Path.Combine(site, "hello.txt"), page);
        LabProcess web = s.Lab.StartProcess(s.Lab.Server, "python3", ["-m", "http.server", WebPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--directory", site]);
        await s.Lab.WaitListeningAsync(s.Lab.Server, "127.0.0.1", WebPort);
        string journal = Path.Combine(s.Lab.WorkDir, "journal");
        Directory.CreateDirectory(journal);

        foreach (bool real in new[] { false, true })
        {
            string name = real ? "openvpn" : "sharpvpn";
            await s.StartEitherServerAsync(Tcp, real, edit: text => text + $"port-share 127.0.0.1 {WebPort} {journal}\n");

            // A browser's request to the VPN port reaches the web server and its answer comes back.
            string answer = await HttpGetAsync(s, "/hello.txt");
            Assert.Contains(" 200 ", answer, StringComparison.Ordinal);
            Assert.Contains(page, answer, StringComparison.Ordinal);

            // While a relayed connection is open, the journal names the real client for the web server.
            LabProcess holder = s.Lab.StartProcess(s.Lab.Client, "bash",
                ["-c", $"exec 3<>/dev/tcp/{ScenarioLab.ServerPublicAddress}/{Tcp.Port}; printf 'GET /hello.txt HTTP/1.0\\r\\n' >&3; sleep 20"]);
            string entry = await JournalEntryAsync(journal);
            Assert.StartsWith($"[AF_INET]{ScenarioLab.ClientAddress}:", entry, StringComparison.Ordinal);
            Assert.StartsWith("[AF_INET]127.0.0.1:", Path.GetFileName(Directory.GetFiles(journal).Single()), StringComparison.Ordinal);
            await holder.StopAsync();

            // And the VPN on the same port.
            await s.AssertIntranetUnreachableAsync();
            LabProcess client = s.StartRealClient(s.WriteClientConfig(Tcp));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            output.WriteLine($"{name} server: the web page and the tunnel through port {Tcp.Port}; journal entry {entry}");
            await client.StopAsync();
        }

        Assert.False(web.HasExited, "the web server is still up");
    }

    private static async Task<string> HttpGetAsync(ServerScenario s, string path)
    {
        CommandResult r = await s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(20), "bash", "-c",
            $"exec 3<>/dev/tcp/{ScenarioLab.ServerPublicAddress}/{Tcp.Port}; printf 'GET {path} HTTP/1.0\\r\\nHost: vpn\\r\\n\\r\\n' >&3; cat <&3");
        return r.StdOut;
    }

    private static async Task<string> JournalEntryAsync(string directory)
    {
        for (int i = 0; i < 100; i++)
        {
            foreach (string file in Directory.GetFiles(directory))
            {
                string text = File.ReadAllText(file);
                if (text.Length > 0)
                {
                    return text;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"no journal file appeared in {directory}");
    }
}
