using System.Net;
using SharpVpn.Platform.Network;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Platform.Tests;

[Trait("Category", "Interop")]
public sealed class NetworkConfiguratorTests
{
    [Fact]
    public void RedirectGatewayDef1_AddsSplitRoutesAndServerHostRoute_AndDisposeRemovesOnlyThose()
    {
        using var ns = new TestNamespace();
        // The "physical" uplink with the original default route.
        ns.Ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p");
        ns.Ip("link", "set", "eth9p", "up");
        ns.Ip("addr", "add", "192.0.2.2/24", "dev", "eth9");
        ns.Ip("link", "set", "eth9", "up");
        ns.Ip("route", "add", "default", "via", "192.0.2.1");
        string before = ns.Ip("-4", "route", "show");

        using TunDevice tun = ns.Run(() => TunDevice.Open("svrg%d"));
        var log = new List<string>();
        var net = new NetworkConfigurator(tun.Name, ns.Runner, log.Add);
        net.SetPointToPointAddress(IPAddress.Parse("10.8.0.6"), IPAddress.Parse("10.8.0.5"));
        net.Up();
        Assert.True(net.AddRoute(IPNetwork.Parse("10.8.0.1/32"), IPAddress.Parse("10.8.0.5")));
        net.RedirectGatewayDef1(IPAddress.Parse("198.51.100.7"), IPAddress.Parse("10.8.0.5"));

        string routes = ns.Ip("-4", "route", "show");
        Assert.Contains($"0.0.0.0/1 via 10.8.0.5 dev {tun.Name}", routes, StringComparison.Ordinal);
        Assert.Contains($"128.0.0.0/1 via 10.8.0.5 dev {tun.Name}", routes, StringComparison.Ordinal);
        Assert.Contains("198.51.100.7 via 192.0.2.1 dev eth9", routes, StringComparison.Ordinal);
        Assert.Contains("default via 192.0.2.1 dev eth9", routes, StringComparison.Ordinal);
        // The kernel now sends ordinary traffic into the tunnel but the server's own address outside it.
        Assert.Equal(tun.Name, net.GetRoute(IPAddress.Parse("8.8.8.8")).Device);
        Assert.Equal("eth9", net.GetRoute(IPAddress.Parse("198.51.100.7")).Device);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), net.GetRoute(IPAddress.Parse("198.51.100.7")).Gateway);

        // An existing route is reported, not taken over.
        Assert.False(net.AddRoute(IPNetwork.Parse("10.8.0.1/32"), IPAddress.Parse("10.8.0.5")));
        Assert.Contains(log, l => l.Contains("already exists", StringComparison.Ordinal));

        net.Dispose();
        Assert.Equal(before, ns.Ip("-4", "route", "show"));
        Assert.DoesNotContain("10.8.0.6", ns.Ip("addr", "show", tun.Name), StringComparison.Ordinal);
        Assert.DoesNotContain(log, l => l.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public void RedirectGateway_ToALocalServer_NeedsNoHostRoute()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svrl%d"));
        using var net = new NetworkConfigurator(tun.Name, ns.Runner);
        net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
        net.Up();
        net.RedirectGatewayDef1(IPAddress.Loopback);
        Assert.Contains($"0.0.0.0/1 dev {tun.Name}", ns.Ip("-4", "route", "show"), StringComparison.Ordinal);
    }

    [Fact]
    public void RoutesOnAClosedTun_AreCleanedUpSilently()
    {
        using var ns = new TestNamespace();
        TunDevice tun = ns.Run(() => TunDevice.Open("svrc%d"));
        var log = new List<string>();
        var net = new NetworkConfigurator(tun.Name, ns.Runner, log.Add);
        net.SetAddress(IPAddress.Parse("10.8.0.2"), 24);
        net.Up();
        net.AddRoute(IPNetwork.Parse("192.168.1.0/24"));
        tun.Dispose(); // the device and its routes are gone with it
        net.Dispose();
        Assert.Empty(log);
    }

    [Fact]
    public void ApplyDns_WithoutResolvconf_ReturnsAMessageForTheLog()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svdn%d"));
        using var net = new NetworkConfigurator(tun.Name, ns.Runner);
        if (CommandRunner.FindProgram("resolvconf") is null && !Directory.Exists("/run/systemd/resolve"))
        {
            string message = net.ApplyDns([IPAddress.Parse("10.8.0.1")], ["corp.example"]);
            Assert.Contains("10.8.0.1", message, StringComparison.Ordinal);
            Assert.Contains("not applied", message, StringComparison.Ordinal);
        }
        Assert.Throws<ArgumentException>(() => net.ApplyDns([], ["bad domain; rm -rf"]));
    }

    [Fact]
    public void BadDeviceName_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new NetworkConfigurator("tun0 up; reboot"));
    }
}
