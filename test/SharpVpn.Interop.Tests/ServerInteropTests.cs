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
    public async Task Case4_RevokeAfterRenegotiations_PlusSighup_StillDisconnects()
    {
        // The session keeps the client's certificate for the whole connection: after two renegotiations the first
        // TLS session (whose engine held it) is gone, and a CRL reload must still find the certificate revoked.
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "later"]);
        Func<string, string> laterFiles = KeepCopies(s, "later");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}", "reneg-sec 2", "tran-window 1"] });
        LabProcess later = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "later", laterFiles));
        await later.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.Server!.WaitForOutputAsync("data channel key_id 2 active", StartTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // key 0's lame-duck time is over: its TLS session is disposed
        await s.AssertIntranetReachableAsync();
        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("later");
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("disconnected 1 client(s) whose certificate is now revoked", StartTimeout, mark);
        Assert.False(s.Server.HasExited);
    }

    [Fact]
    public async Task Case4_RevokedRefused_RevokeWhileConnectedPlusSighupDisconnects_WrongEkuRefused()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "revoked", "later"]);
        // easy-rsa moves a revoked certificate out of issued/: the clients keep their own copies, as real ones would.
        Func<string, string> revokedFiles = KeepCopies(s, "revoked");
        Func<string, string> laterFiles = KeepCopies(s, "later");
        await s.Pki.RevokeAsync("revoked");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}", "remote-cert-tls client"] });

        // A client whose certificate is already revoked never gets in.
        LabProcess revoked = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "revoked", revokedFiles));
        await s.Server!.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout);
        await revoked.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", revoked.Output, StringComparison.Ordinal);

        // A client presenting the server's certificate (EKU serverAuth) is refused by remote-cert-tls client.
        LabProcess wrongEku = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "client", text => text
            .Replace($"cert {s.Pki.CertificateOf("client")}", $"cert {s.Pki.ServerCertificate}", StringComparison.Ordinal)
            .Replace($"key {s.Pki.KeyOf("client")}", $"key {s.Pki.ServerKey}", StringComparison.Ordinal)));
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*(usage|EKU|role)", RegexOptions.IgnoreCase), StartTimeout);
        await wrongEku.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", wrongEku.Output, StringComparison.Ordinal);
        await s.AssertIntranetUnreachableAsync();

        // A good client connects; revoking it and sending SIGHUP disconnects it (and the reconnect is refused).
        LabProcess later = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "later", laterFiles));
        await later.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("later");
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("disconnected 1 client(s) whose certificate is now revoked", StartTimeout, mark);
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout, mark);
        await s.AssertIntranetUnreachableAsync();
        Assert.False(s.Server.HasExited);
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
    public async Task RenegSec10_ContinuousPingAcrossServerInitiatedRenegotiations()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["reneg-sec 10"] });
        await s.ConnectRealClientAsync();
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 175, timeout: TimeSpan.FromSeconds(45));
        int keyChanges = s.Server!.Lines.Count(l => l.Contains("TLS: soft reset complete", StringComparison.Ordinal));
        output.WriteLine($"ping: {ping}; key changes: {keyChanges}");
        Assert.True(keyChanges >= 3, $"only {keyChanges} key changes in 35 s");
        Assert.True(ping.Sent - ping.Received <= 1, ping.ToString());
    }

    [Fact]
    public async Task ManagementOverTcpLoopback_AnswersStatusAndVersion()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["management 127.0.0.1 7505"] });
        await s.ConnectRealClientAsync();
        string script = Path.Combine(s.Lab.WorkDir, "mgmt.py");
        File.WriteAllText(script, """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", 7505), timeout=10)
            s.sendall(b"version\r\nstatus 2\r\nstate\r\nbytecount 1\r\n")
            time.sleep(2.5)
            s.sendall(b"quit\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            open(sys.argv[1], "wb").write(data)
            """);
        string transcriptPath = Path.Combine(s.Lab.WorkDir, "mgmt.out");
        (await s.Lab.RunAsync(s.Lab.Server, "python3", script, transcriptPath)).EnsureSuccess();
        string transcript = File.ReadAllText(transcriptPath);
        output.WriteLine(transcript);
        Assert.StartsWith(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n", transcript, StringComparison.Ordinal);
        Assert.Contains("Management Version: 5\r\nEND\r\n", transcript, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\r\nCLIENT_LIST,client,172\.16\.0\.8:\d+,10\.0\.1\.2,"), transcript);
        Assert.Matches(new Regex(@"\r\n\d+,CONNECTED,SUCCESS,,,,,\r\nEND\r\n"), transcript);
        Assert.Matches(new Regex(@">BYTECOUNT_CLI:\d+,\d+,\d+\r\n"), transcript);
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
    public async Task Float_OnlyAfterAnAuthenticatedPacketFromTheNewAddress()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        LabProcess real = await s.ConnectRealClientAsync();
        await s.AssertIntranetReachableAsync();
        (await s.Lab.RunAsync(s.Lab.Client, "ip", "addr", "add", "172.16.0.9/16", "dev", s.Lab.ClientInterface)).EnsureSuccess();

        // An attacker at the new address sends P_DATA_V2 packets for peer-id 0 that do not authenticate: no float.
        string script = Path.Combine(s.Lab.WorkDir, "spoof.py");
        File.WriteAllText(script, """
            import os, socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("172.16.0.9", 0))
            for i in range(200):
                s.sendto(bytes([9 << 3, 0, 0, 0]) + os.urandom(60), (sys.argv[1], 1194))
            """);
        (await s.Lab.RunAsync(s.Lab.Client, "python3", script, ScenarioLab.ServerPublicAddress)).EnsureSuccess();
        await s.AssertIntranetReachableAsync();
        Assert.DoesNotContain(s.Server!.Lines, l => l.Contains("Float:", StringComparison.Ordinal));

        // The real client's packets now leave from the new address (stateless source rewrite, as a NAT rebinding
        // would): the first one that decrypts moves the session, and traffic keeps flowing.
        await s.Lab.ApplyNftAsync(s.Lab.Client, $$"""
            table ip {{s.Lab.Prefix}}float {
                chain out {
                    type filter hook output priority -300; policy accept;
                    udp dport 1194 notrack ip saddr set 172.16.0.9
                }
                chain in {
                    type filter hook prerouting priority -300; policy accept;
                    udp sport 1194 notrack
                }
            }
            """);
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 5);
        await s.Server.WaitForOutputAsync("Float: peer address changed to 172.16.0.9:", StartTimeout);
        Assert.True(ping.Received >= 4, ping.ToString());
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task MaxClients1_SecondClientIsRefusedWhileTheFirstKeepsWorking()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "bob"]);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["max-clients 1"] });
        await s.ConnectRealClientAsync();
        LabProcess second = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-nopull"] }, "bob"));
        await s.Server!.WaitForOutputAsync("MULTI: new incoming connection would exceed maximum number of clients (1)", StartTimeout);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain("Initialization Sequence Completed", second.Output, StringComparison.Ordinal);
        await s.AssertIntranetReachableAsync();
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

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public async Task Case6_StatusFileHasTheSameShapeAsRealOpenVpns(int version, bool dualStack)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Modern with
        {
            ServerExtra = dualStack ? [$"status-version {version}", "server-ipv6 fd00:1::/64"] : [$"status-version {version}"],
        };
        var shapes = new List<string[]>();
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

            LabProcess client = await s.ConnectRealClientAsync();
            string path = s.ServerConfig!.StatusPath;
            string text = await WaitForAsync(() => File.Exists(path) ? File.ReadAllText(path) : string.Empty,
                t => t.Contains("client", StringComparison.Ordinal) && t.EndsWith("END\n", StringComparison.Ordinal));
            output.WriteLine($"--- {(ours ? "sharpvpn" : "openvpn")} status-version {version} ---\n{text}");
            shapes.Add(RoutingRowsSorted(text.Split('\n').Select(Shape).ToArray()));
            await client.StopAsync();
            await s.Server!.StopAsync();
        }

        Assert.Equal(shapes[1], shapes[0]);

        // OpenVPN lists its routing table in the order of a hash table with a random seed (multi.c vhash), so with
        // an IPv4 and an IPv6 route per client the rows' order varies from run to run: they are compared as a set.
        static string[] RoutingRowsSorted(string[] lines)
        {
            int header = Array.FindIndex(lines, l => l.StartsWith("ROUTING TABLE", StringComparison.Ordinal) || l.Contains("ROUTING_TABLE", StringComparison.Ordinal));
            int first = header + (lines[header].StartsWith("ROUTING TABLE", StringComparison.Ordinal) ? 2 : 1);
            int end = Array.FindIndex(lines, first, l => l.StartsWith("GLOBAL", StringComparison.Ordinal));
            Array.Sort(lines, first, end - first, StringComparer.Ordinal);
            return lines;
        }

        // Field count plus every field that is not a value (record types, headers); values become their kind.
        static string Shape(string line)
        {
            char sep = line.Contains('\t') ? '\t' : ',';
            string[] fields = line.Split(sep);
            if (fields[0] is "TITLE")
            {
                return "TITLE";
            }

            return string.Join(sep, fields.Select(f =>
                Regex.IsMatch(f, @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$") ? "<time>"
                : Regex.IsMatch(f, @"^\d+\.\d+\.\d+\.\d+:\d+$") ? "<ip:port>"
                : Regex.IsMatch(f, @"^\d+$") ? "<n>"
                : f));
        }
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

    [Fact]
    public async Task DuplicateCnOffByDefault_SecondLoginReplacesTheFirst()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-nopull"] });
        string second = Path.Combine(Path.GetDirectoryName(config.ConfigPath)!, "second.conf");
        File.WriteAllText(second, File.ReadAllText(config.ConfigPath).Replace(config.LogPath, Path.ChangeExtension(second, ".log"), StringComparison.Ordinal));
        LabProcess first = s.StartRealClient(config);
        await first.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        int mark = s.Server!.LineCount;
        LabProcess again = s.StartRealClient(new OpenVpnConfigFile(second, Path.ChangeExtension(second, ".log"), string.Empty));
        await again.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.Server.WaitForOutputAsync("MULTI: new connection by client 'client' will cause previous active sessions by this client to be dropped.", StartTimeout, mark);
        await s.Server.WaitForOutputAsync("SIGTERM[soft,duplicate-cn] client-instance exiting", StartTimeout, mark);
    }

    [Fact]
    public async Task RevokedThenReconnectingAtOnce_MeetsTheNewCrl_BeforeTheOnceASecondCheck()
    {
        // openvpn re-reads a changed crl-verify file for each new TLS session; we check it every second and, since
        // a revoke can race a reconnect, also when a client's session is created: the client that reconnects a few
        // milliseconds after its revocation must be refused, not let in until the next check.
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "gone"]);
        Func<string, string> goneFiles = KeepCopies(s, "gone");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}"] });
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern, "gone", goneFiles);
        LabProcess first = s.StartRealClient(config);
        await first.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        // The server's own line for that connection can come after the client's (its log is followed, up to ~50 ms
        // late): it must be in before the mark, or it would count as the second connection's.
        await s.Server!.WaitForOutputAsync("Peer Connection Initiated", StartTimeout);
        await first.StopAsync();

        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("gone");
        LabProcess again = s.StartRealClient(config);
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout, mark);
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the next periodic check: nothing changes
        await again.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Server.Lines.Skip(mark), l => l.Contains("Peer Connection Initiated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sighup_ReloadsWithoutDroppingConnectedClients()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}"] });
        LabProcess client = await s.ConnectRealClientAsync();
        Task<PingResult> during = s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 15);
        await Task.Delay(500);
        int mark = s.Server!.LineCount;
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("SIGHUP: reloading CRL and client-config-dir (connected clients stay)", StartTimeout, mark);
        PingResult ping = await during;
        Assert.True(ping.AllReceived, ping.ToString());
        Assert.DoesNotContain(s.Server.Lines.Skip(mark), l => l.Contains("client-instance", StringComparison.Ordinal));
        Assert.Equal(1, client.Lines.Count(l => l.Contains("Initialization Sequence Completed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Case6_ManagementStatusAndKill_StatusFileListsClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string socket = Path.Combine(s.Lab.WorkDir, "mgmt.sock");
        string passwordFile = Path.Combine(s.Lab.WorkDir, "mgmt.pw");
        File.WriteAllText(passwordFile, "s3cret\n");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"management {socket} unix {passwordFile}"] });
        LabProcess real = await s.ConnectRealClientAsync();
        await s.AssertIntranetReachableAsync();

        // The status file (status FILE 1, version 1) lists the client as OpenVPN writes it.
        string statusPath = s.ServerConfig!.StatusPath;
        string status = await WaitForAsync(() => File.Exists(statusPath) ? File.ReadAllText(statusPath) : string.Empty,
            text => text.Contains("\nclient,172.16.0.8:", StringComparison.Ordinal));
        Assert.StartsWith("OpenVPN CLIENT LIST\nUpdated,", status, StringComparison.Ordinal);
        Assert.Contains("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n", status, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\nROUTING TABLE\nVirtual Address,Common Name,Real Address,Last Ref\n10\.0\.1\.2,client,172\.16\.0\.8:\d+,"), status);
        Assert.EndsWith("GLOBAL STATS\nMax bcast/mcast queue length,0\nEND\n", status, StringComparison.Ordinal);

        using ServerManagementClient m = await ServerManagementClient.ConnectAsync(socket, "s3cret");
        IReadOnlyList<string> v2 = await m.CommandAsync("status 2", multiLine: true);
        Assert.Equal("HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher", v2[2]);
        Assert.Matches(new Regex(@"^CLIENT_LIST,client,172\.16\.0\.8:\d+,10\.0\.1\.2,,\d+,\d+,[0-9: -]+,\d+,UNDEF,\d+,0,AES-256-GCM$"), v2[3]);
        IReadOnlyList<string> v3 = await m.CommandAsync("status 3", multiLine: true);
        Assert.StartsWith("CLIENT_LIST\tclient\t172.16.0.8:", v3[3], StringComparison.Ordinal);
        Assert.Equal("SUCCESS: pid=" + s.Server!.Pid, (await m.CommandAsync("pid"))[0]);
        Assert.Equal("ERROR: common name 'nobody' not found", (await m.CommandAsync("kill nobody"))[0]);

        int mark = s.Server.LineCount;
        Assert.Equal("SUCCESS: common name 'client' found, 1 client(s) killed", (await m.CommandAsync("kill client"))[0]);
        await s.Server.WaitForOutputAsync("client-instance exiting", StartTimeout, mark);
        // The client was told RESTART and reconnects by itself.
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, real.LineCount - 1);
        IReadOnlyList<string> after = await WaitForAsync(() => m.CommandAsync("status 2", multiLine: true).Result,
            lines => lines.Any(l => l.StartsWith("CLIENT_LIST,client,", StringComparison.Ordinal)));
        Assert.Single(after, l => l.StartsWith("CLIENT_LIST,", StringComparison.Ordinal));
        mark = s.Server.LineCount;
        Assert.StartsWith("SUCCESS: signal SIGUSR2 thrown", (await m.CommandAsync("signal SIGUSR2"))[0], StringComparison.Ordinal);
        await s.Server.WaitForOutputAsync("TUN offload:", StartTimeout, mark); // the statistics, as the real SIGUSR2 logs them

        // client-kill by the client ID of 'status 2' (column "Client ID"), with a HALT message: the real client exits
        // instead of reconnecting, as OpenVPN's own server makes it.
        string clientId = after.Single(l => l.StartsWith("CLIENT_LIST,", StringComparison.Ordinal)).Split(',')[10];
        Assert.Equal("ERROR: cannot parse CID", (await m.CommandAsync("client-kill x1"))[0]);
        Assert.Equal("ERROR: client-kill command failed", (await m.CommandAsync("client-kill 999999"))[0]);
        mark = s.Server.LineCount;
        int clientMark = real.LineCount;
        Assert.Equal("SUCCESS: client-kill command succeeded", (await m.CommandAsync($"client-kill {clientId} HALT"))[0]);
        await s.Server.WaitForOutputAsync("client-instance exiting", StartTimeout, mark);
        await real.WaitForOutputAsync("Halt command was pushed by server", StartTimeout, clientMark);
        Assert.True(await real.WaitForExitAsync(StartTimeout), "the real client should exit after HALT");

        Assert.StartsWith("SUCCESS: signal SIGTERM thrown", (await m.CommandAsync("signal SIGTERM"))[0], StringComparison.Ordinal);
        await s.Server.WaitForOutputAsync("process exiting", StartTimeout);
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

    /// <summary>Copies a client's cert and key out of the PKI; returns a config edit that uses the copies.</summary>
    private static Func<string, string> KeepCopies(ServerScenario s, string name)
    {
        string dir = Path.Combine(s.Lab.WorkDir, "keep-" + name);
        Directory.CreateDirectory(dir);
        string cert = Path.Combine(dir, name + ".crt");
        string key = Path.Combine(dir, name + ".key");
        File.Copy(s.Pki.CertificateOf(name), cert);
        File.Copy(s.Pki.KeyOf(name), key);
        return text => text
            .Replace($"cert {s.Pki.CertificateOf(name)}", $"cert {cert}", StringComparison.Ordinal)
            .Replace($"key {s.Pki.KeyOf(name)}", $"key {key}", StringComparison.Ordinal);
    }

    private static long Stat(string loadStats, string name)
    {
        Match match = Regex.Match(loadStats, $@"\b{name}=(\d+)");
        Assert.True(match.Success, $"{name} missing in '{loadStats}'");
        return long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, int seconds = 20)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(seconds);
        T value = read();
        while (!done(value) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            value = read();
        }

        Assert.True(done(value), $"condition not met within {seconds} s; last value: {value}");
        return value;
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
