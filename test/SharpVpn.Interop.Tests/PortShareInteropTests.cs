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
    private const int HeldRelays = 20;
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
            // max-clients 8: our server then takes at most 16 TCP connections for the VPN, fewer than the relays below.
            await s.StartEitherServerAsync(Tcp, real, edit: text => text + $"port-share 127.0.0.1 {WebPort} {journal}\nmax-clients 8\n");

            // A browser's request to the VPN port reaches the web server and its answer comes back.
            string answer = await HttpGetAsync(s, "/hello.txt");
            Assert.Contains(" 200 ", answer, StringComparison.Ordinal);
            Assert.Contains(page, answer, StringComparison.Ordinal);

            // While relayed connections are open, the journal names the real client for the web server; 20 of them
            // (unfinished requests the web server waits on) must not take the VPN's connection slots.
            LabProcess holder = s.Lab.StartProcess(s.Lab.Client, "python3", ["-c", $$"""
                import socket, time
                held = [socket.create_connection(("{{ScenarioLab.ServerPublicAddress}}", {{Tcp.Port}})) for _ in range({{HeldRelays}})]
                for c in held: c.sendall(b"GET /hello.txt HTTP/1.0\r\n")
                print("holding", flush=True)
                time.sleep(60)
                """]);
            await holder.WaitForOutputAsync("holding", StartTimeout);
            string entry = await JournalEntryAsync(journal, HeldRelays);
            Assert.StartsWith($"[AF_INET]{ScenarioLab.ClientAddress}:", entry, StringComparison.Ordinal);
            Assert.All(Directory.GetFiles(journal), f => Assert.StartsWith("[AF_INET]127.0.0.1:", Path.GetFileName(f), StringComparison.Ordinal));

            // And the VPN on the same port, with the relays still open.
            await s.AssertIntranetUnreachableAsync();
            LabProcess client = s.StartRealClient(s.WriteClientConfig(Tcp));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            output.WriteLine($"{name} server: the web page and the tunnel through port {Tcp.Port}; journal entry {entry}");
            await client.StopAsync();
            await holder.StopAsync();
        }

        Assert.False(web.HasExited, "the web server is still up");
    }

    private static async Task<string> HttpGetAsync(ServerScenario s, string path)
    {
        CommandResult r = await s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(20), "bash", "-c",
            $"exec 3<>/dev/tcp/{ScenarioLab.ServerPublicAddress}/{Tcp.Port}; printf 'GET {path} HTTP/1.0\\r\\nHost: vpn\\r\\n\\r\\n' >&3; cat <&3");
        return r.StdOut;
    }

    /// <summary>One journal entry once <paramref name="count"/> files are there (one per open relay).</summary>
    private static async Task<string> JournalEntryAsync(string directory, int count)
    {
        string[] files = [];
        for (int i = 0; i < 100; i++)
        {
            files = Directory.GetFiles(directory);
            if (files.Length >= count && File.ReadAllText(files[0]) is { Length: > 0 } text)
            {
                return text;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{files.Length} of {count} journal files appeared in {directory}");
    }
}
