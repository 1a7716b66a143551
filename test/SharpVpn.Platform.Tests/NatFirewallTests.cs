using System.Net;
using System.Text.RegularExpressions;
using SharpVpn.Platform.Firewall;

namespace SharpVpn.Platform.Tests;

/// <summary>Every nft and sysctl call runs inside a test namespace (CommandRunner with a namespace), never on the host.</summary>
[Trait("Category", "Interop")]
public sealed class NatFirewallTests
{
    private const string AdminTable = """
        table ip admin {
        	chain input {
        		type filter hook input priority filter; policy accept;
        		tcp dport 22 accept
        	}
        }
        """;

    [Fact]
    public void ApplyTwice_LeavesExactlyOneMasqueradeRule_ThenRemoveRestoresEverything()
    {
        using var ns = new TestNamespace();
        ns.Ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p");
        ns.Ip("link", "set", "eth9p", "up");
        ns.Ip("addr", "add", "192.0.2.2/24", "dev", "eth9");
        ns.Ip("link", "set", "eth9", "up");
        ns.Ip("route", "add", "default", "via", "192.0.2.1");
        ns.Runner.RunChecked("nft", ["-f", "-"], AdminTable);
        string adminBefore = ns.Runner.RunChecked("nft", ["list", "table", "ip", "admin"]);
        Assert.Equal("0", Sysctl(ns));

        var logs = new List<string>();
        var options = new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["auto"], Port = 1194, Protocol = "udp" };
        using (var firewall = new NatFirewall(options, ns.Runner, logs.Add))
        {
            firewall.Apply();
            firewall.Apply();
            Assert.Equal(["eth9"], firewall.OutInterfaces);
            string table = ns.Runner.RunChecked("nft", ["list", "table", "ip", "sharpvpn"]);
            Assert.Single(Regex.Matches(table, "masquerade"));
            Assert.Contains("ip saddr 10.8.0.0/24 oifname \"eth9\" masquerade", table, StringComparison.Ordinal);
            Assert.Single(Regex.Matches(table, "udp dport 1194 accept"));
            Assert.Contains("policy accept", table, StringComparison.Ordinal);
            Assert.DoesNotContain("policy drop", table, StringComparison.Ordinal);
            Assert.Equal("1", Sysctl(ns));
            // A second Apply in a new process (restart) also replaces rather than adds.
            new NatFirewall(options, ns.Runner).Apply();
            Assert.Single(Regex.Matches(ns.Runner.RunChecked("nft", ["list", "ruleset"]), "masquerade"));
        }
        Assert.DoesNotContain("sharpvpn", ns.Runner.RunChecked("nft", ["list", "tables"]), StringComparison.Ordinal);
        Assert.Equal("0", Sysctl(ns));
        Assert.Equal(adminBefore, ns.Runner.RunChecked("nft", ["list", "table", "ip", "admin"]));
        Assert.Contains(logs, l => l.Contains("Restored net.ipv4.ip_forward=0", StringComparison.Ordinal));
    }

    [Fact]
    public void ForwardingAlreadyOn_IsLeftOn()
    {
        using var ns = new TestNamespace();
        ns.Runner.RunChecked("sysctl", ["-q", "-w", "net.ipv4.ip_forward=1"]);
        using (var firewall = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.9.0.0/24"), OutInterfaces = ["lo"] }, ns.Runner))
        {
            firewall.Apply();
        }
        Assert.Equal("1", Sysctl(ns));
    }

    [Fact]
    public void TwoInstances_HaveTheirOwnTables_AndForwardingStaysOnWhileOneRemains()
    {
        using var ns = new TestNamespace();
        var a = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["lo"], Instance = "udp" }, ns.Runner);
        var b = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.9.0.0/24"), OutInterfaces = ["lo"], Instance = "tcp-443" }, ns.Runner);
        Assert.Equal("sharpvpn_udp", a.TableName);
        Assert.Equal("sharpvpn_tcp_443", b.TableName);
        a.Apply();
        b.Apply();
        a.Dispose();
        string tables = ns.Runner.RunChecked("nft", ["list", "tables"]);
        Assert.DoesNotContain("sharpvpn_udp", tables, StringComparison.Ordinal);
        Assert.Contains("sharpvpn_tcp_443", tables, StringComparison.Ordinal);
        Assert.Equal("1", Sysctl(ns));
        b.Dispose();
        Assert.Equal("0", Sysctl(ns));
    }

    [Fact]
    public void AfterACrash_TheNextRunStillRestoresTheOriginalForwardingValue()
    {
        using var ns = new TestNamespace();
        var options = new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["lo"] };
        new NatFirewall(options, ns.Runner).Apply(); // "crashes": never removed
        Assert.Equal("1", Sysctl(ns));
        using (var restarted = new NatFirewall(options, ns.Runner))
        {
            restarted.Apply();
        }
        Assert.Equal("0", Sysctl(ns));
    }

    [Fact]
    public void Nat_LetsAPoolAddressReachAHostWithNoRouteBack()
    {
        // client ns (10.8.0.6) --veth-- server ns (this test's firewall) --veth-- intranet ns (192.168.1.1, no gateway)
        using var server = new TestNamespace();
        using var client = new TestNamespace();
        using var intranet = new TestNamespace();
        ConnectPoolClient(client, server);
        ConnectIntranet(server, "s1", "192.168.1.254/24", intranet, "192.168.1.1/24");
        server.Ip("route", "add", "default", "via", "192.168.1.1");

        Assert.False(Ping(client, "192.168.1.1"), "ping must fail before forwarding and NAT");
        using (var firewall = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["auto"] }, server.Runner))
        {
            firewall.Apply();
            Assert.Equal(["s1"], firewall.OutInterfaces);
            Assert.True(Ping(client, "192.168.1.1"), "ping must pass through forwarding and masquerade");
        }
        Assert.False(Ping(client, "192.168.1.1"), "ping must fail again once the setup is removed");
    }

    [Fact]
    public void Nat_WithTwoIntranetInterfaces_LetsAPoolAddressReachHostsOnBoth()
    {
        // client ns (10.8.0.6) --veth-- server ns --s1-- intranet A (192.168.1.1) and --s2-- intranet B (172.20.0.1);
        // neither intranet host has a route back to the pool, and the server's default route is elsewhere (s1).
        using var server = new TestNamespace();
        using var client = new TestNamespace();
        using var intranetA = new TestNamespace();
        using var intranetB = new TestNamespace();
        ConnectPoolClient(client, server);
        ConnectIntranet(server, "s1", "192.168.1.254/24", intranetA, "192.168.1.1/24");
        ConnectIntranet(server, "s2", "172.20.0.254/24", intranetB, "172.20.0.1/24");
        server.Ip("route", "add", "default", "via", "192.168.1.1");

        using (var onlyA = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["s1"] }, server.Runner))
        {
            onlyA.Apply();
            Assert.True(Ping(client, "192.168.1.1"), "intranet A is masqueraded");
            Assert.False(Ping(client, "172.20.0.1"), "intranet B is not: its host cannot answer the pool");
        }

        using (var both = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["s1", "s2"] }, server.Runner))
        {
            both.Apply();
            Assert.Equal(["s1", "s2"], both.OutInterfaces);
            string table = server.Runner.RunChecked("nft", ["list", "table", "ip", "sharpvpn"]);
            Assert.Single(Regex.Matches(table, "masquerade"));
            Assert.Contains("oifname { \"s1\", \"s2\" } masquerade", table, StringComparison.Ordinal);
            Assert.True(Ping(client, "192.168.1.1"), "intranet A through masquerade on s1");
            Assert.True(Ping(client, "172.20.0.1"), "intranet B through masquerade on s2");
        }
    }

    [Fact]
    public void BadOptions_AreRejectedWithClearMessages()
    {
        Assert.Contains("udp or tcp", Assert.Throws<ArgumentException>(() =>
            new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), Protocol = "icmp" })).Message, StringComparison.Ordinal);
        var fw = new NatFirewall(new NatFirewallOptions { Pool = IPNetwork.Parse("10.8.0.0/24"), OutInterfaces = ["eth0\" accept; drop"] },
            new CommandRunner("sv-none"));
        Assert.Contains("not a valid interface name", Assert.Throws<ArgumentException>(fw.Apply).Message, StringComparison.Ordinal);
    }

    /// <summary>client c0 (10.8.0.6, a pool address; default route via the server) -- server s0 (10.8.0.1).</summary>
    private static void ConnectPoolClient(TestNamespace client, TestNamespace server)
    {
        client.Ip("link", "add", "c0", "type", "veth", "peer", "name", "s0", "netns", server.Name);
        client.Ip("addr", "add", "10.8.0.6/24", "dev", "c0");
        client.Ip("link", "set", "c0", "up");
        client.Ip("route", "add", "default", "via", "10.8.0.1");
        server.Ip("addr", "add", "10.8.0.1/24", "dev", "s0");
        server.Ip("link", "set", "s0", "up");
    }

    /// <summary>server <paramref name="serverDevice"/> -- intranet host i0, which has no route back to the pool.</summary>
    private static void ConnectIntranet(TestNamespace server, string serverDevice, string serverAddress, TestNamespace host, string hostAddress)
    {
        server.Ip("link", "add", serverDevice, "type", "veth", "peer", "name", "i0", "netns", host.Name);
        server.Ip("addr", "add", serverAddress, "dev", serverDevice);
        server.Ip("link", "set", serverDevice, "up");
        host.Ip("addr", "add", hostAddress, "dev", "i0");
        host.Ip("link", "set", "i0", "up");
    }

    private static string Sysctl(TestNamespace ns) => ns.Runner.RunChecked("sysctl", ["-n", "net.ipv4.ip_forward"]).Trim();

    private static bool Ping(TestNamespace ns, string target) =>
        ns.Runner.Run("ping", ["-c", "1", "-W", "1", "-n", target]).Succeeded;
}
