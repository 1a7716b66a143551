using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// IPv6 inside the tunnel of OUR server (<c>server-ipv6</c>) with REAL openvpn 2.6 clients: the addresses openvpn's
/// own server would give, IPv6 both ways between a client and an IPv6 intranet, per-client fixed addresses and
/// networks behind a client from client-config-dir files.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerIpv6InteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task ServerIpv6_RealClientGetsThePoolsFirstAddress_AndIpv6FlowsBothWaysWithTheIntranet()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = ["server-ipv6 fd00:1::/64", "push \"route-ipv6 fd00:2::/64\"", "status-version 2"],
        });
        LabProcess client = await s.ConnectRealClientAsync();

        // What openvpn's own server gives (helper.c): tun fd00:1::1/64, pool from fd00:1::1000.
        string serverTun = (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "show")).StdOut;
        Assert.Contains("inet6 fd00:1::1/64", serverTun, StringComparison.Ordinal);
        string clientTun = (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "show")).StdOut;
        Assert.Contains("inet6 fd00:1::1000/64", clientTun, StringComparison.Ordinal);
        Assert.Contains("fd00:2::/64 dev tun", (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut, StringComparison.Ordinal);

        PingResult toServer = await lab.PingAsync(lab.Client, "fd00:1::1", count: 3);
        Assert.True(toServer.AllReceived, toServer.ToString());
        PingResult toIntranet = await lab.PingAsync(lab.Client, ScenarioLabIpv6.IntranetAddress, count: 5);
        Assert.True(toIntranet.AllReceived, toIntranet.ToString());
        // The other way: the intranet host reaches the client's tunnel address (server TUN -> client by IPv6 destination).
        PingResult fromIntranet = await lab.PingAsync(lab.Intranet, "fd00:1::1000", count: 3);
        Assert.True(fromIntranet.AllReceived, fromIntranet.ToString());
        IperfResult up = await lab.IperfAsync(lab.Client, lab.Intranet, ScenarioLabIpv6.IntranetAddress, TimeSpan.FromSeconds(2));
        IperfResult down = await lab.IperfAsync(lab.Client, lab.Intranet, ScenarioLabIpv6.IntranetAddress, TimeSpan.FromSeconds(2), reverse: true);
        output.WriteLine($"IPv6 through our server: {toIntranet}; TCP up {up}, down {down}");
        Assert.True(up.BitsPerSecond > 10e6, up.ToString());
        Assert.True(down.BitsPerSecond > 10e6, down.ToString());
        await s.AssertIntranetReachableAsync(); // IPv4 alongside

        // The status file lists the IPv6 address as openvpn's does (CLIENT_LIST column and a ROUTING_TABLE row).
        string status = await StatusFileReads.WaitForAsync(s.ServerConfig!.StatusPath, t => t.Contains("fd00:1::1000", StringComparison.Ordinal));
        Assert.Contains(status.Split('\n'), l => l.StartsWith("CLIENT_LIST,client,", StringComparison.Ordinal) && l.Split(',')[4] == "fd00:1::1000");
        Assert.Contains(status.Split('\n'), l => l.StartsWith("ROUTING_TABLE,fd00:1::1000,client,", StringComparison.Ordinal));

        await client.StopAsync();
        await s.Server!.StopAsync();
        Assert.DoesNotContain("fd00:1::1", (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "show")).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CcdIfconfigIpv6PushAndIrouteIpv6_FixedAddressAndANetworkBehindTheClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        string ccd = Path.Combine(lab.WorkDir, "ccd");
        Directory.CreateDirectory(ccd);
        await File.WriteAllTextAsync(Path.Combine(ccd, "client"), "ifconfig-ipv6-push fd00:1::77/64\niroute-ipv6 fd00:77::/64\n");
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = ["server-ipv6 fd00:1::/64", "push \"route-ipv6 fd00:2::/64\"", $"client-config-dir {ccd}", "route-ipv6 fd00:77::/64"],
        });
        LabProcess client = await s.ConnectRealClientAsync();
        Assert.Contains("inet6 fd00:1::77/64", (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "show")).StdOut, StringComparison.Ordinal);

        // A network behind the client: an address of it on the client's loopback, reached from the intranet.
        (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "add", "fd00:77::1/128", "dev", "lo")).EnsureSuccess();
        (await lab.RunAsync(lab.Intranet, "ip", "-6", "route", "add", "fd00:77::/64", "via", "fd00:2::254")).EnsureSuccess();
        PingResult behind = await lab.PingAsync(lab.Intranet, "fd00:77::1", count: 3);
        Assert.True(behind.AllReceived, behind.ToString());
        PingResult fixedAddress = await lab.PingAsync(lab.Intranet, "fd00:1::77", count: 3);
        Assert.True(fixedAddress.AllReceived, fixedAddress.ToString());
        await client.StopAsync();
    }

    /// <summary>
    /// client-to-client with server-ipv6: one client reaches another's IPv6 tunnel address through the server's
    /// internal forwarding, while the admin's firewall drops tun-to-tun IPv6 in the kernel.
    /// </summary>
    [Fact]
    public async Task ClientToClient_Ipv6BetweenTwoRealClients_ForwardedInsideTheServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "alice"]);
        ServerExtraClientHost aliceHost = await s.AddClientHostAsync(1);
        await s.Lab.ApplyNftAsync(s.Lab.Server, $$"""
            table ip6 {{s.Lab.Prefix}}c2c6 {
                chain forward {
                    type filter hook forward priority 0; policy accept;
                    iifname "tun*" oifname "tun*" drop
                }
            }
            """);
        OpenVpnVariant variant = OpenVpnVariant.Modern with { ServerExtra = ["server-ipv6 fd00:1::/64", "client-to-client"] };
        await s.StartServerAsync(variant);
        LabProcess client = s.StartRealClient(s.WriteClientConfig(variant, "client"));
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        LabProcess alice = s.StartRealClient(s.WriteClientConfig(variant, "alice", remote: aliceHost.ServerAddress), aliceHost.Host);
        await alice.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        string aliceAddress = Regex.Match(string.Join('\n', alice.Lines), @"ifconfig-ipv6 (fd00:1::[0-9a-f]+)/64").Groups[1].Value;
        Assert.Equal("fd00:1::1001", aliceAddress); // the second pool entry, as openvpn assigns it

        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, aliceAddress, count: 3, timeout: TimeSpan.FromSeconds(5));
        Assert.True(ping.AllReceived, ping.ToString());
        PingResult back = await s.Lab.PingAsync(aliceHost.Host, "fd00:1::1000", count: 3, timeout: TimeSpan.FromSeconds(5));
        Assert.True(back.AllReceived, back.ToString());
    }

    /// <summary>
    /// block-ipv6 in our server's config: a real openvpn client's IPv6 goes no further than the server, which answers
    /// it with ICMPv6 "no route" from its own tun address through the client's tunnel (the intranet host is reachable
    /// over IPv6 otherwise: the same ping succeeds on the server without it).
    /// </summary>
    [Fact]
    public async Task BlockIpv6OnTheServer_RealClientsIpv6IsAnsweredNoRoute()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        foreach (bool block in new[] { false, true })
        {
            string[] extra = ["server-ipv6 fd00:1::/64", "push \"route-ipv6 fd00:2::/64\""];
            await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = block ? [.. extra, "block-ipv6"] : extra });
            LabProcess client = await s.ConnectRealClientAsync();
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLabIpv6.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(4));
            output.WriteLine($"block-ipv6 {(block ? "on" : "off")}: {ping}");
            if (block)
            {
                Assert.False(ping.AnyReceived, ping.ToString());
                Assert.Matches(@"From fd00:1::1 icmp_seq=\d+ Destination unreachable: No route", ping.Output);
                await s.AssertIntranetReachableAsync(); // IPv4 unaffected
            }
            else
            {
                Assert.True(ping.AllReceived, ping.ToString());
            }

            await client.StopAsync();
            await s.Server!.StopAsync();
        }
    }

    /// <summary>Ours + ours: our client takes our server's IPv6 address and route, and a config-file route-ipv6 too.</summary>
    [Fact]
    public async Task OurClientWithOurServer_DualStack_CarriesIpv6()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["server-ipv6 fd00:1::/64"] });
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-ipv6 fd00:2::/64"] }));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

        Assert.Contains("inet6 fd00:1::1000/64", (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "show", "dev", "tun0")).StdOut, StringComparison.Ordinal);
        Assert.Contains("fd00:2::/64 dev tun0", (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut, StringComparison.Ordinal);
        PingResult ping = await lab.PingAsync(lab.Client, ScenarioLabIpv6.IntranetAddress, count: 5);
        Assert.True(ping.AllReceived, ping.ToString());
        IperfResult tcp = await lab.IperfAsync(lab.Client, lab.Intranet, ScenarioLabIpv6.IntranetAddress, TimeSpan.FromSeconds(2));
        output.WriteLine($"IPv6, our client + our server: {ping}; TCP {tcp}");
        Assert.True(tcp.BitsPerSecond > 10e6, tcp.ToString());
        await ours.StopAsync();
        Assert.Equal(0, ours.ExitCode);
    }
}
