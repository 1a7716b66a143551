using System.Diagnostics;
using System.Net;
using System.Text.Json;
using SharpVpn.Platform.Network;
using SharpVpn.Platform.Tun;
using Xunit.Abstractions;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// The rtnetlink path of NetworkConfigurator against the referee: what iproute2 itself sets up for the same
/// commands, as <c>ip -d -j addr/route show</c> reports it. All in throwaway namespaces.
/// </summary>
[Trait("Category", "Interop")]
public sealed class NetworkConfiguratorNetlinkTests(ITestOutputHelper output)
{
    private const string IpFallback = "using the ip command instead";

    [Fact]
    public void SubnetAddress_Mtu_Up_AndRoutes_AreExactlyWhatIpWouldSet()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svns%d"));
        string dev = tun.Name;
        string empty = Snapshot(ns, dev);

        string[][] commands =
        [
            ["link", "set", "dev", dev, "mtu", "1400"],
            ["link", "set", "dev", dev, "up"],
            ["addr", "add", "10.8.0.2/24", "dev", dev],
            ["route", "add", "10.9.0.0/24", "via", "10.8.0.1", "dev", dev, "metric", "7"],
            ["route", "add", "10.10.0.0/16", "dev", dev],
        ];
        string byIp = WithIp(ns, dev, commands);

        var log = new List<string>();
        var net = new NetworkConfigurator(dev, ns.Runner, log.Add);
        net.SetMtu(1400);
        net.Up();
        net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
        Assert.True(net.AddRoute(IPNetwork.Parse("10.9.0.0/24"), IPAddress.Parse("10.8.0.1"), 7));
        Assert.True(net.AddRoute(IPNetwork.Parse("10.10.0.0/16")));
        string byNetlink = Snapshot(ns, dev);
        Assert.Equal(byIp, byNetlink);

        // Spot checks that the snapshot holds what it should (not merely two equal empties).
        using (JsonDocument addr = JsonDocument.Parse(ns.Ip("-j", "-4", "addr", "show", "dev", dev)))
        {
            JsonElement link = addr.RootElement[0];
            Assert.Equal(1400, link.GetProperty("mtu").GetInt32());
            Assert.Contains(link.GetProperty("flags").EnumerateArray(), f => f.GetString() == "UP");
            JsonElement a = Assert.Single(link.GetProperty("addr_info").EnumerateArray());
            Assert.Equal("10.8.0.2", a.GetProperty("local").GetString());
            Assert.Equal(24, a.GetProperty("prefixlen").GetInt32());
        }
        string routes = ns.Ip("-4", "route", "show", "dev", dev);
        Assert.Contains("10.9.0.0/24 via 10.8.0.1 metric 7", routes, StringComparison.Ordinal);
        Assert.Contains("10.10.0.0/16 scope link", routes, StringComparison.Ordinal);

        net.Dispose();
        Assert.Equal(empty, Snapshot(ns, dev).Replace("1400", "1500", StringComparison.Ordinal).Replace(",\"UP\",\"LOWER_UP\"", "", StringComparison.Ordinal));
        Assert.DoesNotContain(log, l => l.Contains(IpFallback, StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public void PeerAddress_Net30_IsExactlyWhatIpWouldSet()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svnp%d"));
        string dev = tun.Name;
        string byIp = WithIp(ns, dev,
        [
            ["link", "set", "dev", dev, "up"],
            ["addr", "add", "local", "10.8.0.6", "peer", "10.8.0.5", "dev", dev],
            ["route", "add", "10.8.0.1/32", "via", "10.8.0.5", "dev", dev],
        ]);

        var log = new List<string>();
        using var net = new NetworkConfigurator(dev, ns.Runner, log.Add);
        net.Up();
        net.SetPointToPointAddress(IPAddress.Parse("10.8.0.6"), IPAddress.Parse("10.8.0.5"));
        Assert.True(net.AddRoute(IPNetwork.Parse("10.8.0.1/32"), IPAddress.Parse("10.8.0.5")));
        Assert.Equal(byIp, Snapshot(ns, dev));

        using JsonDocument addr = JsonDocument.Parse(ns.Ip("-j", "-4", "addr", "show", "dev", dev));
        JsonElement a = Assert.Single(addr.RootElement[0].GetProperty("addr_info").EnumerateArray());
        Assert.Equal("10.8.0.6", a.GetProperty("local").GetString());
        Assert.Equal("10.8.0.5", a.GetProperty("address").GetString());
        Assert.Equal(32, a.GetProperty("prefixlen").GetInt32());
        Assert.DoesNotContain(log, l => l.Contains(IpFallback, StringComparison.Ordinal));
    }

    [Fact]
    public void Ipv6AddressAndRoute_AreExactlyWhatIpWouldSet()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svn6%d"));
        string dev = tun.Name;
        ns.Ip("link", "set", "dev", dev, "up");
        ns.Ip("addr", "add", "fd00:8::2/64", "dev", dev);
        ns.Ip("route", "add", "fd01::/64", "via", "fd00:8::1", "dev", dev, "metric", "5");
        string byIp = ns.Ip("-d", "-j", "-6", "route", "show", "dev", dev);
        ns.Ip("route", "del", "fd01::/64", "via", "fd00:8::1", "dev", dev, "metric", "5");
        ns.Ip("addr", "del", "fd00:8::2/64", "dev", dev);
        Assert.DoesNotContain("fd01::", ns.Ip("-6", "route", "show"), StringComparison.Ordinal);

        var log = new List<string>();
        using var net = new NetworkConfigurator(dev, ns.Runner, log.Add);
        net.SetAddress(IPAddress.Parse("fd00:8::2"), 64);
        Assert.True(net.AddRoute(IPNetwork.Parse("fd01::/64"), IPAddress.Parse("fd00:8::1"), 5));
        Assert.Equal(byIp, ns.Ip("-d", "-j", "-6", "route", "show", "dev", dev));
        Assert.Contains("fd00:8::2/64", ns.Ip("-6", "addr", "show", "dev", dev), StringComparison.Ordinal);
        Assert.Equal(IPAddress.Parse("fd00:8::1"), net.GetRoute(IPAddress.Parse("fd01::9")).Gateway);
        net.Dispose();
        Assert.DoesNotContain("fd00:8::2", ns.Ip("-6", "addr", "show", "dev", dev), StringComparison.Ordinal);
        Assert.DoesNotContain("fd01::", ns.Ip("-6", "route", "show"), StringComparison.Ordinal);
        Assert.Empty(log);
    }

    [Fact]
    public void ExistingRoute_IsReportedAsAlreadyExisting_AndRemoveRouteDeletesIt()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svne%d"));
        var log = new List<string>();
        using var net = new NetworkConfigurator(tun.Name, ns.Runner, log.Add);
        net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
        net.Up();
        ns.Ip("route", "add", "172.16.0.0/16", "via", "10.8.0.1", "dev", tun.Name);

        Assert.False(net.AddRoute(IPNetwork.Parse("172.16.0.0/16"), IPAddress.Parse("10.8.0.1")));
        Assert.Contains(log, l => l.Contains("172.16.0.0/16 via 10.8.0.1 dev " + tun.Name + " already exists", StringComparison.Ordinal));

        Assert.True(net.AddRoute(IPNetwork.Parse("172.17.0.0/16"), IPAddress.Parse("10.8.0.1"), 50));
        Assert.Contains("172.17.0.0/16 via 10.8.0.1 metric 50", ns.Ip("-4", "route", "show", "dev", tun.Name), StringComparison.Ordinal);
        net.RemoveRoute(IPNetwork.Parse("172.17.0.0/16"));
        string routes = ns.Ip("-4", "route", "show");
        Assert.DoesNotContain("172.17.0.0", routes, StringComparison.Ordinal);
        Assert.Contains("172.16.0.0/16 via 10.8.0.1", routes, StringComparison.Ordinal);

        // Dispose removes only the address (the kernel then drops routes through its subnet by itself).
        net.Dispose();
        Assert.DoesNotContain("10.8.0.2", ns.Ip("-4", "addr", "show", "dev", tun.Name), StringComparison.Ordinal);
        Assert.DoesNotContain(log, l => l.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public void GetRoute_MatchesIpRouteGet_ViaAGatewayAndForALocalAddress()
    {
        using var ns = new TestNamespace();
        ns.Ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p");
        ns.Ip("link", "set", "eth9p", "up");
        ns.Ip("addr", "add", "192.0.2.2/24", "dev", "eth9");
        ns.Ip("link", "set", "eth9", "up");
        ns.Ip("route", "add", "default", "via", "192.0.2.1");
        using TunDevice tun = ns.Run(() => TunDevice.Open("svng%d"));
        using var net = new NetworkConfigurator(tun.Name, ns.Runner);

        RouteInfo viaGateway = net.GetRoute(IPAddress.Parse("198.51.100.7"));
        Assert.Equal(new RouteInfo(IPAddress.Parse("198.51.100.7"), IPAddress.Parse("192.0.2.1"), "eth9", IPAddress.Parse("192.0.2.2"), "unicast"), viaGateway);
        AssertSameAsIp(ns, viaGateway);

        RouteInfo onLink = net.GetRoute(IPAddress.Parse("192.0.2.77"));
        Assert.Null(onLink.Gateway);
        Assert.Equal("eth9", onLink.Device);
        AssertSameAsIp(ns, onLink);

        RouteInfo local = net.GetRoute(IPAddress.Parse("192.0.2.2"));
        Assert.True(local.IsLocal);
        Assert.Equal("lo", local.Device);
        AssertSameAsIp(ns, local);
    }

    [Fact]
    public void KernelRefusal_GivesOneLineNamingTheRoute()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svnx%d"));
        using var net = new NetworkConfigurator(tun.Name, ns.Runner);
        net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
        net.Up();

        PlatformCommandException ex = Assert.Throws<PlatformCommandException>(
            () => net.AddRoute(IPNetwork.Parse("10.99.0.0/24"), IPAddress.Parse("203.0.113.9")));
        output.WriteLine(ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
        Assert.Contains($"route add 10.99.0.0/24 via 203.0.113.9 dev {tun.Name}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Network is unreachable", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("10.99.0.0", ns.Ip("-4", "route", "show"), StringComparison.Ordinal);

        Assert.Throws<PlatformCommandException>(() => new NetworkConfigurator("svnomissing0", ns.Runner).SetMtu(1400));
    }

    /// <summary>
    /// The client's TUN set-up after PUSH_REPLY (MTU, up, address, two routes), run as in production: on a thread
    /// inside the namespace, without a namespace runner. Prints the time of the old ip-process path and the
    /// netlink path; no timed assertion.
    /// </summary>
    [Fact]
    public void ClientTunSetup_Timing_IpProcessesVersusNetlink()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svnt%d"));
        string dev = tun.Name;
        var ipTimes = new List<double>();
        var netlinkTimes = new List<double>();
        for (int round = 0; round < 5; round++)
        {
            ipTimes.Add(ns.Run(() =>
            {
                var sw = Stopwatch.StartNew();
                foreach (string[] args in (string[][])[
                    ["link", "set", "dev", dev, "mtu", "1400"],
                    ["link", "set", "dev", dev, "up"],
                    ["addr", "add", "10.8.0.2/24", "dev", dev],
                    ["route", "add", "10.9.0.0/24", "via", "10.8.0.1", "dev", dev],
                    ["route", "add", "10.10.0.0/16", "via", "10.8.0.1", "dev", dev]])
                {
                    CommandRunner.Host.RunChecked("ip", args);
                }
                return sw.Elapsed.TotalMilliseconds;
            }));
            ns.Ip("addr", "flush", "dev", dev);
            ns.Ip("link", "set", "dev", dev, "down");

            var log = new List<string>();
            netlinkTimes.Add(ns.Run(() =>
            {
                var sw = Stopwatch.StartNew();
                using var net = new NetworkConfigurator(dev, log: log.Add);
                net.SetMtu(1400);
                net.Up();
                net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
                net.AddRoute(IPNetwork.Parse("10.9.0.0/24"), IPAddress.Parse("10.8.0.1"));
                net.AddRoute(IPNetwork.Parse("10.10.0.0/16"), IPAddress.Parse("10.8.0.1"));
                double ms = sw.Elapsed.TotalMilliseconds;
                Assert.Contains("10.10.0.0/16 via 10.8.0.1", ns.Ip("-4", "route", "show"), StringComparison.Ordinal);
                return ms;
            }));
            Assert.Empty(log);
            ns.Ip("link", "set", "dev", dev, "down");
        }
        string line = $"Client TUN set-up (mtu + up + address + 2 routes): ip processes first {ipTimes[0]:0.00} ms, best {ipTimes.Min():0.00} ms; "
            + $"rtnetlink first {netlinkTimes[0]:0.000} ms (JIT included), best {netlinkTimes.Min():0.000} ms";
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    /// <summary>Applies <paramref name="commands"/> with iproute2, snapshots, then takes them off again.</summary>
    private static string WithIp(TestNamespace ns, string dev, string[][] commands)
    {
        foreach (string[] c in commands)
        {
            ns.Ip(c);
        }
        string snapshot = Snapshot(ns, dev);
        foreach (string[] c in commands.Reverse())
        {
            if (c[0] is "route" or "addr")
            {
                ns.Ip([c[0], "del", .. c[2..]]);
            }
        }
        ns.Ip("link", "set", "dev", dev, "down");
        ns.Ip("link", "set", "dev", dev, "mtu", "1500");
        return snapshot;
    }

    private static string Snapshot(TestNamespace ns, string dev) =>
        ns.Ip("-d", "-j", "-4", "addr", "show", "dev", dev)
        + ns.Ip("-d", "-j", "-4", "route", "show", "table", "all", "dev", dev);

    private static void AssertSameAsIp(TestNamespace ns, RouteInfo route)
    {
        using JsonDocument doc = JsonDocument.Parse(ns.Ip("-j", "route", "get", route.Destination.ToString()));
        JsonElement r = doc.RootElement[0];
        Assert.Equal(r.TryGetProperty("gateway", out JsonElement gw) ? gw.GetString() : null, route.Gateway?.ToString());
        Assert.Equal(r.GetProperty("dev").GetString(), route.Device);
        Assert.Equal(r.TryGetProperty("prefsrc", out JsonElement src) ? src.GetString() : null, route.PreferredSource?.ToString());
        Assert.Equal(r.TryGetProperty("type", out JsonElement type) ? type.GetString() : "unicast", route.Type);
    }
}
