using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Issue 5 "Done when": OUR server (<c>sharpvpn server</c>) in the tutorial lab's VPN host, REAL openvpn 2.6 clients
/// in the client host, reaching 192.168.1.1 (the intranet host without a gateway) through the tunnel and NAT.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task Case1_Tutorial24ServerConfUnchanged_RealClientGetsDot6AndPingsIntranet()
    {
        // scenario.md's 2.4-era server.conf and client.conf: AES-256-CBC, comp-lzo, tls-auth (0/1), net30.
        await RunPingScenarioAsync(OpenVpnVariant.Tutorial, OpenVpnVariant.Tutorial, "inet 10.0.1.6 peer 10.0.1.5/32");
    }

    [Fact]
    public async Task Case1_Tutorial24WithUserNobody_DropsPrivilegesAfterTunOpenAndStillCleansUp()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Tutorial with { DropPrivileges = true };
        await s.StartServerAsync(v);
        string uid = (await s.Lab.RunAsync(s.Lab.Server, "ps", "-o", "user=", "-p", s.Server!.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).StdOut.Trim();
        Assert.Equal("nobody", uid);
        LabProcess real = s.StartRealClient(s.WriteClientConfig(v));
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        await s.Server.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
        CommandResult links = await s.Lab.RunAsync(s.Lab.Server, "ip", "-o", "link", "show", "type", "tun");
        Assert.DoesNotContain("tun0", links.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NatMasqueradeAndFirewallOpen_DoTheTutorialSteps8To10_AndAreRemovedOnShutdown()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        // The lab's own NAT is NOT applied: SharpVPN's directives must make the intranet reachable by themselves.
        await s.Lab.RunAsync(s.Lab.Server, "sysctl", "-q", "-w", "net.ipv4.ip_forward=0");
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = [$"nat-masquerade {s.Lab.ServerIntranetInterface}", "firewall open"],
        }, applyNat: false);
        CommandResult tables = await s.Lab.RunAsync(s.Lab.Server, "nft", "list", "tables");
        Assert.Contains("table ip sharpvpn", tables.StdOut, StringComparison.Ordinal);
        await s.ConnectRealClientAsync();
        await s.AssertIntranetReachableAsync();

        await s.Server!.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
        tables = await s.Lab.RunAsync(s.Lab.Server, "nft", "list", "tables");
        Assert.DoesNotContain("sharpvpn", tables.StdOut, StringComparison.Ordinal);
        Assert.Equal("0", (await s.Lab.RunAsync(s.Lab.Server, "sysctl", "-n", "net.ipv4.ip_forward")).StdOut.Trim());
    }

    [Fact]
    public async Task Case1_Tutorial24_CbcDataChannelWhenOnlyCbcIsOffered()
    {
        // A 2.4-style peer without NCP: the server's data-ciphers offer only AES-256-CBC, so CBC + HMAC-SHA1 really runs.
        OpenVpnVariant server = OpenVpnVariant.Tutorial with { DataCiphers = "AES-256-CBC", Auth = "SHA1" };
        OpenVpnVariant client = OpenVpnVariant.Tutorial with { Auth = "SHA1" };
        await RunPingScenarioAsync(server, client, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-CBC");
    }

    [Fact]
    public async Task Case2_ModernAes256GcmSubnetTlsCrypt_RealClientPingsIntranet() =>
        await RunPingScenarioAsync(OpenVpnVariant.Modern, OpenVpnVariant.Modern, "inet 10.0.1.2/24", "AES-256-GCM");

    /// <summary>machine-readable-output in our server's config: its log lines start as the real openvpn's do.</summary>
    [Fact]
    public async Task MachineReadableOutput_OurServersLogLinesCarryOpenVpnsStamp()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        LabProcess server = await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["machine-readable-output"] });
        LabProcess client = await s.ConnectRealClientAsync();
        await server.WaitForOutputAsync("Peer Connection Initiated", StartTimeout);
        string initiated = server.Lines.First(l => l.Contains("Peer Connection Initiated", StringComparison.Ordinal));
        Assert.Matches(@"^\d{10}\.\d{6} [0-9a-f]+ \S", initiated);
        Assert.DoesNotMatch(new Regex(@"^\d{4}-\d\d-\d\d ", RegexOptions.Multiline), string.Join('\n', server.Lines));
        await client.StopAsync();
    }

    [Fact]
    public async Task Case2_Chacha20Poly1305TlsCryptV2_RealClientPingsIntranet()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        (string serverKey, string clientKey) = await GenerateTlsCryptV2KeysAsync(s);
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            TlsWrap = TlsWrapMode.None,
            DataCiphers = "CHACHA20-POLY1305",
            ServerExtra = [$"tls-crypt-v2 {serverKey}"],
        };
        OpenVpnVariant client = OpenVpnVariant.Modern with
        {
            TlsWrap = TlsWrapMode.None,
            DataCiphers = "CHACHA20-POLY1305:AES-256-GCM",
            ClientExtra = [$"tls-crypt-v2 {clientKey}"],
        };
        await RunPingScenarioAsync(s, server, client, "inet 10.0.1.2/24", "CHACHA20-POLY1305");
    }

    [Fact]
    public async Task Case2_ProtoTcpTlsAuth_RealClientPingsIntranet()
    {
        OpenVpnVariant v = OpenVpnVariant.Tutorial with { Proto = "tcp" };
        await RunPingScenarioAsync(v, v, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-GCM");
    }

    [Fact]
    public async Task Case3_ThreeClients_ClientToClientOnForwardsInternally_OffLeavesItToTheKernel()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "alice", "bob"]);
        ServerExtraClientHost aliceHost = await s.AddClientHostAsync(1);
        ServerExtraClientHost bobHost = await s.AddClientHostAsync(2);
        // The admin's firewall forbids client-to-client traffic in the kernel (tun -> tun forwarding).
        await s.Lab.ApplyNftAsync(s.Lab.Server, $$"""
            table ip {{s.Lab.Prefix}}c2c {
                chain forward {
                    type filter hook forward priority 0; policy accept;
                    iifname "tun*" oifname "tun*" drop
                }
            }
            """);

        foreach (bool clientToClient in new[] { true, false })
        {
            OpenVpnVariant variant = OpenVpnVariant.Modern with { ServerExtra = clientToClient ? ["client-to-client"] : [] };
            await s.StartServerAsync(variant);
            var clients = new List<(LabHost Host, LabProcess Process, string Address)>();
            foreach ((string name, LabHost host, string remote) in new[]
            {
                ("client", s.Lab.Client, ScenarioLab.ServerPublicAddress),
                ("alice", aliceHost.Host, aliceHost.ServerAddress),
                ("bob", bobHost.Host, bobHost.ServerAddress),
            })
            {
                LabProcess p = s.StartRealClient(s.WriteClientConfig(variant, name, remote: remote), host);
                await p.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                string address = Regex.Match(string.Join('\n', p.Lines), @"ifconfig (10\.0\.1\.\d+) 255").Groups[1].Value;
                clients.Add((host, p, address));
            }

            Assert.Equal(3, clients.Select(c => c.Address).Distinct().Count());
            foreach ((LabHost from, _, _) in clients)
            {
                PingResult intranet = await s.Lab.PingAsync(from, ScenarioLab.IntranetAddress, count: 2);
                Assert.True(intranet.AllReceived, $"{from}: {intranet}");
                foreach ((LabHost to, _, string address) in clients)
                {
                    if (ReferenceEquals(from, to))
                    {
                        continue;
                    }

                    PingResult ping = await s.Lab.PingAsync(from, address, count: 2, timeout: TimeSpan.FromSeconds(3));
                    output.WriteLine($"client-to-client {(clientToClient ? "on" : "off")}: {from.Role} -> {to.Role} {address}: {ping}");
                    if (clientToClient)
                    {
                        Assert.True(ping.AllReceived, $"{from.Role} -> {address}: {ping}");
                    }
                    else
                    {
                        Assert.False(ping.AnyReceived, $"{from.Role} -> {address} went through although client-to-client is off and the kernel drops it: {ping}");
                    }
                }
            }

            foreach ((_, LabProcess p, _) in clients)
            {
                await p.StopAsync();
            }

            await s.Server!.StopAsync();
        }
    }

    [Fact]
    public async Task Case5_CcdFixedAddress_AndIfconfigPoolPersistAcrossRestart()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "bob", "fixed"]);
        string ccd = Path.Combine(s.Lab.WorkDir, "ccd");
        Directory.CreateDirectory(ccd);
        File.WriteAllText(Path.Combine(ccd, "fixed"), "ifconfig-push 10.0.1.50 255.255.255.0\n");
        string ipp = Path.Combine(s.Lab.WorkDir, "ipp.txt");
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = [$"client-config-dir {ccd}", $"ifconfig-pool-persist {ipp}", "explicit-exit-notify 1"],
        });

        LabProcess fixedClient = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "fixed"));
        await fixedClient.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.Contains("inet 10.0.1.50/24", await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
        await fixedClient.StopAsync();

        LabProcess bob = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "bob"));
        await bob.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        LabProcess client = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "client"));
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await bob.WaitForOutputAsync("ifconfig 10.0.1.2 255.255.255.0", StartTimeout);
        await client.WaitForOutputAsync("ifconfig 10.0.1.3 255.255.255.0", StartTimeout);

        // Restart the server with bob away: 'client' comes back by itself (explicit-exit-notify RESTART) and keeps .3
        // although .2 is free, because ipp.txt remembers .2 for bob; bob then gets .2 again.
        int clientMark = client.LineCount;
        await bob.StopAsync();
        await s.Server!.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
        string persisted = File.ReadAllText(ipp);
        output.WriteLine("ipp.txt:\n" + persisted);
        Assert.Contains("bob,10.0.1.2,", persisted, StringComparison.Ordinal);
        Assert.Contains("client,10.0.1.3,", persisted, StringComparison.Ordinal);
        await s.RestartServerAsync();
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, clientMark);
        Assert.Contains("ifconfig 10.0.1.3 255.255.255.0", string.Join('\n', client.Lines.Skip(clientMark)), StringComparison.Ordinal);
        LabProcess bobAgain = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "bob"));
        await bobAgain.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await bobAgain.WaitForOutputAsync("ifconfig 10.0.1.2 255.255.255.0", StartTimeout);
    }

    [Fact]
    public async Task Case5_CcdPushDisableAndCcdExclusive()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "bob", "carol"]);
        string ccd = Path.Combine(s.Lab.WorkDir, "ccd");
        Directory.CreateDirectory(ccd);
        File.WriteAllText(Path.Combine(ccd, "client"), "push \"route 192.168.50.0 255.255.255.0\"\niroute 192.168.60.0 255.255.255.0\n");
        File.WriteAllText(Path.Combine(ccd, "bob"), "disable\n");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"client-config-dir {ccd}", "ccd-exclusive"] });

        LabProcess bob = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "bob"));
        await s.Server!.WaitForOutputAsync("MULTI: client has been rejected due to 'disable' directive", StartTimeout);
        await bob.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
        await bob.StopAsync();
        LabProcess carol = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "carol"));
        await s.Server.WaitForOutputAsync("ccd-exclusive: no client-config-dir file for 'carol'", StartTimeout);
        await carol.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
        await carol.StopAsync();

        LabProcess client = await s.ConnectRealClientAsync();
        await client.WaitForOutputAsync("route 192.168.50.0 255.255.255.0", StartTimeout);
        await s.Server.WaitForOutputAsync("MULTI: internal route 192.168.60.0/24 -> client/", StartTimeout);
        await s.AssertIntranetReachableAsync();
    }

    [Theory]
    [InlineData("tutorial")]
    [InlineData("modern")]
    [InlineData("chacha-tls-crypt-v2")]
    [InlineData("tcp")]
    public async Task Case7_OurClientAgainstOurServer_PassesCases1And2(string variant)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        (OpenVpnVariant server, OpenVpnVariant client, string address, string cipher) = variant switch
        {
            "tutorial" => (OpenVpnVariant.Tutorial, OpenVpnVariant.Tutorial, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-GCM"),
            "modern" => (OpenVpnVariant.Modern, OpenVpnVariant.Modern, "inet 10.0.1.2/24", "AES-256-GCM"),
            "tcp" => (OpenVpnVariant.Tutorial with { Proto = "tcp" }, OpenVpnVariant.Tutorial with { Proto = "tcp" }, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-GCM"),
            _ => default,
        };
        if (variant == "chacha-tls-crypt-v2")
        {
            (string serverKey, string clientKey) = await GenerateTlsCryptV2KeysAsync(s);
            server = OpenVpnVariant.Modern with { TlsWrap = TlsWrapMode.None, DataCiphers = "CHACHA20-POLY1305", ServerExtra = [$"tls-crypt-v2 {serverKey}"] };
            client = OpenVpnVariant.Modern with { TlsWrap = TlsWrapMode.None, DataCiphers = "CHACHA20-POLY1305:AES-256-GCM", ClientExtra = [$"tls-crypt-v2 {clientKey}"] };
            address = "inet 10.0.1.2/24";
            cipher = "CHACHA20-POLY1305";
        }

        await s.StartServerAsync(server);
        await s.AssertIntranetUnreachableAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(client));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        output.WriteLine($"handshake (our client start -> Initialization Sequence Completed, incl. .NET startup): {watch.ElapsedMilliseconds} ms");
        Assert.Contains(address, await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
        await s.Server!.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(cipher)}'"), StartTimeout);
        await s.AssertIntranetReachableAsync();
        await ours.StopAsync();
        Assert.Equal(0, ours.ExitCode);
        await s.Server.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
    }

    internal static async Task<(string ServerKey, string ClientKey)> GenerateTlsCryptV2KeysAsync(ServerScenario s)
    {
        string serverKey = Path.Combine(s.Pki.Directory, "tc2-server.key");
        string clientKey = Path.Combine(s.Pki.Directory, "tc2-client.key");
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        (await ProcessRunner.RunAsync("openvpn", ["--genkey", "tls-crypt-v2-server", serverKey], timeout, CancellationToken.None)).EnsureSuccess();
        (await ProcessRunner.RunAsync("openvpn", ["--tls-crypt-v2", serverKey, "--genkey", "tls-crypt-v2-client", clientKey], timeout, CancellationToken.None))
            .EnsureSuccess();
        return (serverKey, clientKey);
    }

    private async Task RunPingScenarioAsync(OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string? expectedCipher = null)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await RunPingScenarioAsync(s, server, client, expectedAddress, expectedCipher);
    }

    private async Task RunPingScenarioAsync(ServerScenario s, OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string? expectedCipher)
    {
        await s.StartServerAsync(server);
        await s.AssertIntranetUnreachableAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        LabProcess real = s.StartRealClient(s.WriteClientConfig(client));
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        output.WriteLine($"handshake (real client start -> Initialization Sequence Completed): {watch.ElapsedMilliseconds} ms");
        Assert.Contains(expectedAddress, await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
        await s.Server!.WaitForOutputAsync("Peer Connection Initiated with", StartTimeout);
        await s.Server.WaitForOutputAsync("MULTI_sva: pool returned IPv4=", StartTimeout);
        if (expectedCipher is not null)
        {
            await real.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
            await s.Server.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
        }

        await s.AssertIntranetReachableAsync();
        await real.StopAsync();
        await s.Server.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
    }
}
