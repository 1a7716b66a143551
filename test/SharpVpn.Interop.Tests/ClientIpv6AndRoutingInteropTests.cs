using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR client (<c>sharpvpn client</c>) against a REAL openvpn 2.6 server: pushed IPv6 addresses and routes,
/// block-ipv6 and redirect-gateway, and what is left of them after the client exits.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientIpv6AndRoutingInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    /// <summary>
    /// A dual-stack openvpn 2.6 server (server-ipv6, a pushed route-ipv6 to an IPv6 intranet): our client puts the
    /// pushed IPv6 address and route on its tun device, and IPv6 reaches the intranet host through the tunnel, pings
    /// and a TCP transfer (which the kernel hands to the tun device as IPv6 super-segments, cut by our TSO code).
    /// </summary>
    [Fact]
    public async Task DualStackServer_PushedIfconfigIpv6AndRouteIpv6_CarryIPv6ToTheIntranet()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = ["server-ipv6 fd00:1::/64", "push \"route-ipv6 fd00:2::/64\"", "push \"redirect-gateway ipv6 !ipv4\"",
                "push \"dhcp-option DNS6 fd00:1::1\""],
        });
        LabProcess ours = await s.ConnectOurClientAsync();

        string addresses = (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "show", "dev", "tun0")).StdOut;
        Assert.Contains("inet6 fd00:1::1000/64", addresses, StringComparison.Ordinal);
        string routes = (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut;
        Assert.Contains("fd00:2::/64 dev tun0", routes, StringComparison.Ordinal);
        foreach (string prefix in new[] { "::/3", "2000::/4", "3000::/4", "fc00::/7" })
        {
            Assert.Contains($"{prefix} dev tun0", routes, StringComparison.Ordinal); // redirect-gateway ipv6, as openvpn
        }
        Assert.DoesNotContain("0.0.0.0/1", (await lab.RunAsync(lab.Client, "ip", "-4", "route", "show")).StdOut, StringComparison.Ordinal); // !ipv4
        // The IPv6 name server goes to the resolver like an IPv4 one (applied, or the log says why not on this host).
        Assert.Contains(ours.Lines, l => l.Contains("DNS fd00:1::1 applied", StringComparison.Ordinal)
            || l.Contains("DNS servers pushed by the server (fd00:1::1)", StringComparison.Ordinal));

        PingResult ping = await lab.PingAsync(lab.Client, "fd00:2::1", count: 5);
        Assert.True(ping.AllReceived, ping.ToString());
        IperfResult tcp = await lab.IperfAsync(lab.Client, lab.Intranet, "fd00:2::1", TimeSpan.FromSeconds(2), reverse: false);
        output.WriteLine($"IPv6 through the tunnel: {ping}; TCP {tcp}");
        Assert.True(tcp.BitsPerSecond > 10e6, tcp.ToString());
        await s.AssertIntranetReachableAsync(); // IPv4 still works alongside

        await ours.StopAsync();
        string after = (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut;
        Assert.DoesNotContain("fd00:2::/64", after, StringComparison.Ordinal);
        Assert.DoesNotContain("2000::/4", after, StringComparison.Ordinal);
    }

    /// <summary>
    /// The same dual-stack server reached over IPv6 (proto udp6): redirect-gateway ipv6 covers the server's own
    /// address (fd00::/8 is in fc00::/7), so the client keeps it on its current route, or the tunnel would carry
    /// itself. The host route goes with the client.
    /// </summary>
    [Fact]
    public async Task DualStackServerOverIPv6_RedirectGatewayIpv6_KeepsTheServerOutsideTheTunnel()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "add", "fd00:16::8/64", "dev", lab.ClientInterface, "nodad")).EnsureSuccess();
        (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "add", "fd00:16::254/64", "dev", lab.ServerPublicInterface, "nodad")).EnsureSuccess();
        Assert.True((await lab.PingAsync(lab.Client, "fd00:16::254", count: 1, timeout: TimeSpan.FromSeconds(8))).AllReceived);
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            Proto = "udp6",
            ServerExtra = ["server-ipv6 fd00:1::/64", "push \"route-ipv6 fd00:2::/64\"", "push \"redirect-gateway ipv6 !ipv4\""],
        });
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern,
            edit: text => text.Replace($"remote {ScenarioLab.ServerPublicAddress} ", "remote fd00:16::254 ", StringComparison.Ordinal)));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

        string routes = (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut;
        Assert.Contains($"fd00:16::254 dev {lab.ClientInterface}", routes, StringComparison.Ordinal);
        Assert.Contains("fc00::/7 dev tun0", routes, StringComparison.Ordinal);
        PingResult ping = await lab.PingAsync(lab.Client, "fd00:2::1", count: 5);
        Assert.True(ping.AllReceived, ping.ToString());

        await ours.StopAsync();
        Assert.DoesNotContain("fd00:16::254 dev", (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut, StringComparison.Ordinal);
    }

    /// <summary>
    /// An IPv4-only openvpn server that keeps its clients' IPv6 from leaking around the tunnel (pushed
    /// 'redirect-gateway def1 ipv6' and 'block-ipv6'): our client routes all IPv6 into its tun device, without an
    /// IPv6 address there, and answers each packet with ICMPv6 "no route" from fe80::7, as openvpn does; before the
    /// tunnel the same IPv6 destination went out of the client's own interface.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the same from the client's own config: 'redirect-gateway def1 ipv6' and 'block-ipv6'
    public async Task IPv4OnlyServerPushingBlockIpv6_IPv6IsAnsweredNoRouteInsteadOfLeaking(bool pushed)
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        (await lab.RunAsync(lab.Client, "ip", "-6", "addr", "add", "fd00:16::8/64", "dev", lab.ClientInterface, "nodad")).EnsureSuccess();
        (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "add", "fd00:16::254/64", "dev", lab.ServerPublicInterface, "nodad")).EnsureSuccess();
        (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "add", "2001:db8::1/128", "dev", "lo")).EnsureSuccess();
        (await lab.RunAsync(lab.Client, "ip", "-6", "route", "add", "default", "via", "fd00:16::254")).EnsureSuccess();
        PingResult leak = await lab.PingAsync(lab.Client, "2001:db8::1", count: 1, timeout: TimeSpan.FromSeconds(8));
        Assert.True(leak.AllReceived, $"the lab's IPv6 path outside the tunnel should work before it: {leak}");

        string[] options = ["redirect-gateway def1 ipv6", "block-ipv6"];
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = pushed ? [.. options.Select(o => $"push \"{o}\"")] : [] });
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = pushed ? [] : options }));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.Contains("2000::/4 dev tun0", (await lab.RunAsync(lab.Client, "ip", "-6", "route", "show")).StdOut, StringComparison.Ordinal);

        PingResult blocked = await lab.PingAsync(lab.Client, "2001:db8::1", count: 2, timeout: TimeSpan.FromSeconds(4));
        output.WriteLine(blocked.ToString());
        Assert.False(blocked.AnyReceived, blocked.ToString());
        Assert.Matches(@"From fe80::7\S* icmp_seq=\d+ Destination unreachable: No route", blocked.Output);
        await s.AssertIntranetReachableAsync(); // IPv4 goes through the tunnel as before

        await ours.StopAsync();
        Assert.True((await lab.PingAsync(lab.Client, "2001:db8::1", count: 1, timeout: TimeSpan.FromSeconds(4))).AllReceived);
    }

    /// <summary>A dual-stack server that pushes block-ipv6: IPv6 is answered "no route" from the tunnel's IPv6 remote.</summary>
    [Fact]
    public async Task DualStackServerPushingBlockIpv6_AnswersFromTheTunnelsRemoteAddress()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        ScenarioLab lab = s.Lab;
        await lab.AddIpv6IntranetAsync();
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = ["server-ipv6 fd00:1::/64", "push \"redirect-gateway ipv6 !ipv4\"", "push \"block-ipv6\""],
        });
        LabProcess ours = await s.ConnectOurClientAsync();

        PingResult blocked = await lab.PingAsync(lab.Client, ScenarioLabIpv6.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(4));
        output.WriteLine(blocked.ToString());
        Assert.False(blocked.AnyReceived, blocked.ToString());
        Assert.Matches(@"From fd00:1::1 icmp_seq=\d+ Destination unreachable: No route", blocked.Output);
        await ours.StopAsync();
    }

    [Fact]
    public async Task PushedRedirectGatewayDef1_KeepsServerOutsideTunnel_AndIsRemovedOnExit()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with
        {
            ServerExtra = ["push \"redirect-gateway def1\"", "push \"dhcp-option DNS 10.0.1.1\"", "push \"block-ipv6\""],
        });
        LabProcess ours = await s.ConnectOurClientAsync();
        // block-ipv6 without redirect-gateway ipv6 only blocks IPv6 routed into the tunnel: the log says so.
        Assert.Contains(ours.Lines, l => l.Contains("WARNING: the server pushed 'block-ipv6' without 'redirect-gateway ipv6'", StringComparison.Ordinal));

        string routes = (await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "route", "show")).StdOut;
        Assert.Contains("0.0.0.0/1 via 10.0.1.1 dev tun0", routes, StringComparison.Ordinal);
        Assert.Contains("128.0.0.0/1 via 10.0.1.1 dev tun0", routes, StringComparison.Ordinal);
        Assert.Contains($"{ScenarioLab.ServerPublicAddress} dev {s.Lab.ClientInterface}", routes, StringComparison.Ordinal);
        await s.AssertIntranetReachableAsync();
        Assert.True((await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.ServerPublicAddress)).AllReceived);
        Assert.Contains(ours.Lines, l => l.Contains("10.0.1.1", StringComparison.Ordinal) && l.Contains("DNS", StringComparison.Ordinal));

        await ours.StopAsync();
        Assert.Equal(0, ours.ExitCode);
        routes = (await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "route", "show")).StdOut;
        Assert.DoesNotContain("0.0.0.0/1", routes, StringComparison.Ordinal);
        Assert.DoesNotContain("128.0.0.0/1", routes, StringComparison.Ordinal);
        Assert.DoesNotContain(ScenarioLab.ServerPublicAddress, routes, StringComparison.Ordinal);
    }
}
