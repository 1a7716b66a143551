using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>
/// IPv6 inside the tunnel on the server side: <c>server-ipv6 NET/BITS</c> (options.c, helper.c helper_client_server),
/// the ccd options <c>ifconfig-ipv6-push</c>/<c>iroute-ipv6</c>/<c>push-remove ifconfig-ipv6</c>, and the 128-bit helpers.
/// </summary>
public sealed class Ipv6ConfigTests
{
    // server-ipv6 goes on line 8.
    private const string DualStackBase = "dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\ntopology subnet\nserver 10.8.0.0 255.255.255.0\n";

    private static ServerConfig Server(string text)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        return ConfigParser.ParseServerFromText(text, "s.conf", dir.DirectoryPath);
    }

    private static ConfigException ServerError(string text)
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        return Assert.Throws<ConfigException>(() => ConfigParser.ParseServerFromText(text, "s.conf", dir.DirectoryPath));
    }

    [Fact]
    public void ServerIpv6_Slash64_ServerIsNetPlus1_PoolFromNetPlus0x1000()
    {
        ServerConfig c = Server(DualStackBase + "server-ipv6 fd00:8::/64\n");
        ServerIpv6Settings v6 = Assert.IsType<ServerIpv6Settings>(c.Ipv6);
        Assert.Equal(IPNetwork.Parse("fd00:8::/64"), v6.Network);
        Assert.Equal(IPAddress.Parse("fd00:8::1"), v6.ServerAddress);
        Assert.Equal(IPAddress.Parse("fd00:8::1000"), v6.PoolBase);
        Assert.Equal(IPAddress.Parse("fd00:8::1000"), v6.AddressFor(0));
        Assert.Equal(IPAddress.Parse("fd00:8::1003"), v6.AddressFor(3));
        Assert.Null(v6.AddressFor(-1));
        Assert.Equal(int.MaxValue, v6.PoolSize);
        Assert.Equal("ifconfig-ipv6 fd00:8::1000/64 fd00:8::1", v6.ToPushOption(v6.AddressFor(0)!));
        Assert.Empty(c.Warnings);

        // The IPv4 side is untouched.
        Assert.Equal(IPAddress.Parse("10.8.0.1"), c.Tun.Ifconfig!.Local);
        Assert.Equal(IPAddress.Parse("10.8.0.2"), c.Pool!.GetAssignment(0).ClientAddress);
    }

    [Fact]
    public void ServerIpv6_Slash120_PoolFromNetPlus2_With253Entries()
    {
        ServerIpv6Settings v6 = Server(DualStackBase + "server-ipv6 fd00:8::100/120\n").Ipv6!;
        Assert.Equal(IPAddress.Parse("fd00:8::101"), v6.ServerAddress);
        Assert.Equal(IPAddress.Parse("fd00:8::102"), v6.PoolBase);
        Assert.Equal(253, v6.PoolSize);
        Assert.Equal(IPAddress.Parse("fd00:8::1fe"), v6.AddressFor(252));
        Assert.Null(v6.AddressFor(253));
        Assert.Equal("ifconfig-ipv6 fd00:8::105/120 fd00:8::101", v6.ToPushOption(v6.AddressFor(3)!));
    }

    [Fact]
    public void ServerIpv6_HostBits_AreMaskedOffWithAWarning()
    {
        ServerConfig c = Server(DualStackBase + "server-ipv6 fd00:8::5/64\n");
        Assert.Equal(IPNetwork.Parse("fd00:8::/64"), c.Ipv6!.Network);
        Assert.Equal(IPAddress.Parse("fd00:8::1"), c.Ipv6.ServerAddress);
        Assert.Equal(["s.conf:8: option 'server-ipv6': 'fd00:8::5/64' has host bits set; using the network fd00:8::/64"], c.Warnings);
    }

    [Fact]
    public void ServerIpv6_AddsNothingToTheGlobalPushList_AndPushedRouteIpv6PassesThrough()
    {
        const string pushes = "push \"route-ipv6 2001:db8:5::/48\"\npush \"route-ipv6 2001:db8:6::/64 fd00:8::1 7\"\npush \"redirect-gateway ipv6\"\n";
        ServerConfig v4Only = Server(DualStackBase + pushes + "keepalive 10 60\n");
        ServerConfig dualStack = Server(DualStackBase + "server-ipv6 fd00:8::/64\n" + pushes + "keepalive 10 60\n");

        Assert.Equal(v4Only.Pushes, dualStack.Pushes);
        Assert.Equal(
            ["route-ipv6 2001:db8:5::/48", "route-ipv6 2001:db8:6::/64 fd00:8::1 7", "redirect-gateway ipv6",
             "route-gateway 10.8.0.1", "topology subnet", "ping 10", "ping-restart 60"],
            dualStack.Pushes);
        Assert.DoesNotContain(dualStack.Pushes, p => p.StartsWith("ifconfig-ipv6", StringComparison.Ordinal) || p == "tun-ipv6");
        Assert.Null(v4Only.Ipv6);
    }

    [Theory]
    [InlineData("server-ipv6 10.8.0.0/24", "s.conf:8: option 'server-ipv6': '10.8.0.0/24' is not an IPv6 network (NET/BITS)")]
    [InlineData("server-ipv6 vpn.example.com/64", "s.conf:8: option 'server-ipv6': 'vpn.example.com/64' is not an IPv6 network (NET/BITS)")]
    [InlineData("server-ipv6 fe80::%eth0/64", "s.conf:8: option 'server-ipv6': 'fe80::%eth0/64' is not an IPv6 network (NET/BITS)")]
    [InlineData("server-ipv6 fd00:8::", "s.conf:8: option 'server-ipv6': 'fd00:8::' has no prefix length: write NET/BITS, e.g. 'fd00:8::/64' (which OpenVPN would assume)")]
    [InlineData("server-ipv6 fd00:8::/", "s.conf:8: option 'server-ipv6': 'fd00:8::/' has an invalid prefix length '/' (0 to 128)")]
    [InlineData("server-ipv6 fd00:8::/x", "s.conf:8: option 'server-ipv6': 'fd00:8::/x' has an invalid prefix length '/x' (0 to 128)")]
    [InlineData("server-ipv6 fd00:8::/129", "s.conf:8: option 'server-ipv6': 'fd00:8::/129' has an invalid prefix length '/129' (0 to 128)")]
    [InlineData("server-ipv6 fd00:8::/48", "s.conf:8: option 'server-ipv6': 'fd00:8::/48': only /64 to /124 supported (not /48)")]
    [InlineData("server-ipv6 fd00:8::/63", "s.conf:8: option 'server-ipv6': 'fd00:8::/63': only /64 to /124 supported (not /63)")]
    [InlineData("server-ipv6 fd00:8::/125", "s.conf:8: option 'server-ipv6': 'fd00:8::/125': only /64 to /124 supported (not /125)")]
    [InlineData("server-ipv6 fd00:8::/128", "s.conf:8: option 'server-ipv6': 'fd00:8::/128': only /64 to /124 supported (not /128)")]
    [InlineData("server-ipv6", "s.conf:8: option 'server-ipv6': missing argument (usage: server-ipv6 NET/BITS: IPv6 inside the tunnel, /64 to /124, beside 'server' (server tun NET+1, client i of the pool gets NET+0x1000+i, or NET+2+i from /112))")]
    public void ServerIpv6_BadValue_NamesFileLineAndOption(string line, string expected)
    {
        ConfigException ex = ServerError(DualStackBase + line + "\n");
        Assert.Equal(expected, ex.Message);
        Assert.Equal(8, ex.Line);
        Assert.Equal("server-ipv6", ex.Option);
    }

    [Fact]
    public void ServerIpv6_BothEdgesOfTheRange_AreAccepted()
    {
        Assert.Equal(64, Server(DualStackBase + "server-ipv6 2001:db8::/64\n").Ipv6!.Network.PrefixLength);
        ServerIpv6Settings smallest = Server(DualStackBase + "server-ipv6 2001:db8::10/124\n").Ipv6!;
        Assert.Equal(IPAddress.Parse("2001:db8::12"), smallest.PoolBase);
        Assert.Equal(13, smallest.PoolSize);
    }

    [Fact]
    public void ServerIpv6_WithoutAnIpv4Server_IsRefused()
    {
        // OpenVPN runs IPv6-only tunnels; SharpVPN hands out IPv6 addresses by IPv4 pool index.
        ConfigException alone = ServerError("dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver-ipv6 fd00:8::/64\n");
        Assert.Equal("s.conf:6: option 'server-ipv6': server-ipv6 needs 'server NET MASK' as well: SharpVPN's server runs dual-stack tunnels, not IPv6-only ones", alone.Message);

        ConfigException modeServer = ServerError("mode server\ntls-server\ndev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver-ipv6 fd00:8::/64\n");
        Assert.Equal("s.conf:8: option 'server-ipv6': server-ipv6 needs 'server NET MASK' as well: SharpVPN's server runs dual-stack tunnels, not IPv6-only ones", modeServer.Message);

        ConfigException noPool = ServerError(DualStackBase.Replace("255.255.255.0\n", "255.255.255.0 nopool\n", StringComparison.Ordinal) + "server-ipv6 fd00:8::/64\n");
        Assert.Equal("s.conf:8: option 'server-ipv6': server-ipv6 needs an IPv4 pool as well ('server NET MASK' without nopool): SharpVPN's server runs dual-stack tunnels, not IPv6-only ones", noPool.Message);
    }

    [Fact]
    public void ServerIpv6_WithAnExplicitIpv4Pool_IsAccepted()
    {
        ServerConfig c = Server("mode server\ntls-server\ndev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\ntopology subnet\n"
            + "ifconfig 10.8.0.1 255.255.255.0\nifconfig-pool 10.8.0.100 10.8.0.150\nserver-ipv6 fd00:8::/64\n");
        Assert.Equal(IPAddress.Parse("fd00:8::1000"), c.Ipv6!.AddressFor(0));
        Assert.Equal(IPAddress.Parse("10.8.0.100"), c.Pool!.GetAssignment(0).ClientAddress);
    }

    [Fact]
    public void ServerIpv6_InAClientConfig_IsRefusedLikeOpenVpn()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        var ex = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText(
            "client\ndev tun\nremote 10.0.0.1\nserver-ipv6 fd00:8::/64\nca ca.crt\ncert client.crt\nkey client.key\n", "c.ovpn", dir.DirectoryPath));
        Assert.Equal("c.ovpn:4: option 'server-ipv6': cannot be used in a client config (OpenVPN refuses server-ipv6 with client); it belongs in the server's config", ex.Message);
    }

    [Fact]
    public void IfconfigIpv6Pool_IsIgnoredWithAWarningNamingServerIpv6()
    {
        ServerConfig c = Server(DualStackBase + "server-ipv6 fd00:8::/64\nifconfig-ipv6-pool fd00:9::1000/64\n");
        Assert.Equal(["s.conf:9: option 'ifconfig-ipv6-pool': is ignored: SharpVPN's server takes its IPv6 pool from server-ipv6 only"], c.Warnings);
        Assert.Equal(IPAddress.Parse("fd00:8::1000"), c.Ipv6!.PoolBase);
    }

    [Fact]
    public void Ccd_IfconfigIpv6PushAndIrouteIpv6_AreParsed()
    {
        ClientConfigDirEntry e = ClientConfigDirEntry.Parse("""
            ifconfig-push 10.8.0.50 255.255.255.0
            ifconfig-ipv6-push fd00:8::50/64 fd00:8::1
            iroute-ipv6 2001:db8:100::/56
            iroute-ipv6 2001:db8:200::1/64
            """, "ccd/alice", "alice");
        Assert.Equal(new IfconfigIpv6Push(IPAddress.Parse("fd00:8::50"), 64, IPAddress.Parse("fd00:8::1")), e.IfconfigIpv6Push);
        Assert.Equal([IPNetwork.Parse("2001:db8:100::/56"), IPNetwork.Parse("2001:db8:200::/64")], e.IRoutesIpv6);
        Assert.Equal(["ccd/alice:4: option 'iroute-ipv6': '2001:db8:200::1/64' has host bits set; using the network 2001:db8:200::/64"], e.Warnings);
        Assert.False(e.IfconfigIpv6PushBlocked);

        ClientConfigDirEntry noRemote = ClientConfigDirEntry.Parse("ifconfig-ipv6-push 2001:db8::7/128\n", "ccd/bob", "bob");
        Assert.Equal(new IfconfigIpv6Push(IPAddress.Parse("2001:db8::7"), 128, null), noRemote.IfconfigIpv6Push);
        Assert.Empty(noRemote.IRoutesIpv6);
        Assert.Empty(noRemote.Warnings);

        ClientConfigDirEntry none = ClientConfigDirEntry.Parse("ifconfig-push 10.8.0.50 255.255.255.0\n", "ccd/carol", "carol");
        Assert.Null(none.IfconfigIpv6Push);
        Assert.Empty(none.IRoutesIpv6);
    }

    [Theory]
    [InlineData("ifconfig-ipv6-push 10.8.0.5/24", "ccd/bob:2: option 'ifconfig-ipv6-push': '10.8.0.5/24' is not an IPv6 address (ADDR/BITS)")]
    [InlineData("ifconfig-ipv6-push fd00:8::5", "ccd/bob:2: option 'ifconfig-ipv6-push': 'fd00:8::5' has no prefix length: write ADDR/BITS, e.g. 'fd00:8::5/64' (which OpenVPN would assume)")]
    [InlineData("ifconfig-ipv6-push fd00:8::5/129", "ccd/bob:2: option 'ifconfig-ipv6-push': 'fd00:8::5/129' has an invalid prefix length '/129' (0 to 128)")]
    [InlineData("ifconfig-ipv6-push fd00:8::5/-1", "ccd/bob:2: option 'ifconfig-ipv6-push': 'fd00:8::5/-1' has an invalid prefix length '/-1' (0 to 128)")]
    [InlineData("ifconfig-ipv6-push ff02::1/64", "ccd/bob:2: option 'ifconfig-ipv6-push': 'ff02::1/64' is not a usable client address (unicast)")]
    [InlineData("ifconfig-ipv6-push ::/64", "ccd/bob:2: option 'ifconfig-ipv6-push': '::/64' is not a usable client address (unicast)")]
    [InlineData("ifconfig-ipv6-push fd00:8::5/64 10.8.0.1", "ccd/bob:2: option 'ifconfig-ipv6-push': '10.8.0.1' is not an IPv6 address")]
    [InlineData("ifconfig-ipv6-push fd00:8::5/64 fd00:8::1/64", "ccd/bob:2: option 'ifconfig-ipv6-push': 'fd00:8::1/64' is not an IPv6 address")]
    [InlineData("ifconfig-ipv6-push", "ccd/bob:2: option 'ifconfig-ipv6-push': missing argument")]
    [InlineData("ifconfig-ipv6-push fd00:8::5/64 fd00:8::1 x", "ccd/bob:2: option 'ifconfig-ipv6-push': expects at most 2 argument(s), got 3")]
    [InlineData("iroute-ipv6 192.168.0.0/16", "ccd/bob:2: option 'iroute-ipv6': '192.168.0.0/16' is not an IPv6 network (NET/BITS)")]
    [InlineData("iroute-ipv6 2001:db8:100::", "ccd/bob:2: option 'iroute-ipv6': '2001:db8:100::' has no prefix length: write NET/BITS, e.g. '2001:db8:100::/64' (which OpenVPN would assume)")]
    [InlineData("iroute-ipv6 2001:db8:100::/200", "ccd/bob:2: option 'iroute-ipv6': '2001:db8:100::/200' has an invalid prefix length '/200' (0 to 128)")]
    [InlineData("iroute-ipv6 2001:db8:100::/56 2001:db8::1", "ccd/bob:2: option 'iroute-ipv6': expects at most 1 argument(s), got 2")]
    public void Ccd_BadIpv6Line_NamesFileAndLine(string line, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ClientConfigDirEntry.Parse("push-reset\n" + line + "\n", "ccd/bob", "bob"));
        Assert.Equal(expected, ex.Message);
        Assert.Equal(2, ex.Line);
    }

    [Fact]
    public void Ccd_PushRemoveIfconfigIpv6_BlocksOnlyIpv6_AsPushRemoveIfconfigBlocksOnlyIpv4()
    {
        // push.c push_remove_option: "ifconfig" and "ifconfig-ipv6" are matched as whole words, not as prefixes.
        ClientConfigDirEntry v4 = ClientConfigDirEntry.Parse("push-remove ifconfig\n", "ccd/a", "a");
        Assert.True(v4.IfconfigPushBlocked);
        Assert.False(v4.IfconfigIpv6PushBlocked);

        ClientConfigDirEntry v6 = ClientConfigDirEntry.Parse("push-remove ifconfig-ipv6\n", "ccd/b", "b");
        Assert.False(v6.IfconfigPushBlocked);
        Assert.True(v6.IfconfigIpv6PushBlocked);
        Assert.Equal(["ifconfig-ipv6"], v6.PushRemove);

        ClientConfigDirEntry both = ClientConfigDirEntry.Parse("push-remove ifconfig-ipv6\npush-remove ifconfig\n", "ccd/c", "c");
        Assert.True(both.IfconfigPushBlocked);
        Assert.True(both.IfconfigIpv6PushBlocked);

        // options.c: a later ifconfig-ipv6-push lifts the block; an earlier one does not.
        Assert.False(ClientConfigDirEntry.Parse("push-remove ifconfig-ipv6\nifconfig-ipv6-push fd00:8::50/64\n", "ccd/d", "d").IfconfigIpv6PushBlocked);
        Assert.True(ClientConfigDirEntry.Parse("ifconfig-ipv6-push fd00:8::50/64\npush-remove ifconfig-ipv6\n", "ccd/e", "e").IfconfigIpv6PushBlocked);

        // Neither word touches the global push list; other push-remove text still prefix-matches it (route-ipv6 too).
        string[] global = ["route-ipv6 2001:db8:5::/48", "ifconfig-nowarn", "route 10.9.0.0 255.255.0.0", "topology subnet"];
        Assert.Equal(global, both.ApplyPushes(global));
        Assert.Equal(["ifconfig-nowarn", "route 10.9.0.0 255.255.0.0", "topology subnet"],
            ClientConfigDirEntry.Parse("push-remove route-ipv6\n", "ccd/f", "f").ApplyPushes(global));
    }

    [Fact]
    public void Ipv6Helpers_ConvertBigEndianAndBuildMasks()
    {
        UInt128 value = Ipv6.ToUInt128(IPAddress.Parse("fd00:8::1"));
        Assert.Equal((new UInt128(0xfd00_0008_0000_0000UL, 0)) + 1, value);
        Assert.Equal(IPAddress.Parse("fd00:8::1"), Ipv6.ToAddress(value));
        Assert.Equal(IPAddress.Parse("fd00:8::1:0"), Ipv6.ToAddress(value + 0xffff));
        Assert.Equal(IPAddress.IPv6Any, Ipv6.ToAddress(UInt128.Zero));
        Assert.Equal(IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), Ipv6.ToAddress(UInt128.MaxValue));
        Assert.Throws<ArgumentException>(() => Ipv6.ToUInt128(IPAddress.Parse("10.8.0.1")));

        Assert.Equal(UInt128.Zero, Ipv6.Mask(0));
        Assert.Equal(new UInt128(0xffff_ffff_ffff_ffffUL, 0), Ipv6.Mask(64));
        Assert.Equal(new UInt128(0xffff_ffff_ffff_ffffUL, 0xffff_ffff_ffff_ff00UL), Ipv6.Mask(120));
        Assert.Equal(UInt128.MaxValue, Ipv6.Mask(128));
        Assert.Equal(IPAddress.Parse("2001:db8:200::"),
            Ipv6.ToAddress(Ipv6.ToUInt128(IPAddress.Parse("2001:db8:200::1")) & Ipv6.Mask(64)));
    }

    [Fact]
    public void ServerIpv6Settings_RefusesNetworksOutsideSlash64ToSlash124()
    {
        Assert.Throws<ArgumentException>(() => new ServerIpv6Settings(IPNetwork.Parse("fd00:8::/48")));
        Assert.Throws<ArgumentException>(() => new ServerIpv6Settings(IPNetwork.Parse("fd00:8::/126")));
        Assert.Throws<ArgumentException>(() => new ServerIpv6Settings(IPNetwork.Parse("10.8.0.0/24")));
    }

    [Fact]
    public void RouteIpv6_InTheConfig_IsParsedWithGatewayAndMetric()
    {
        ServerConfig c = Server(DualStackBase + "server-ipv6 fd00:8::/64\nroute-ipv6 fd00:77::/64\nroute-ipv6 2001:db8::/48 fd00:8::2 20\n");
        Assert.Equal(
            [new RouteIpv6(IPNetwork.Parse("fd00:77::/64"), null, null), new RouteIpv6(IPNetwork.Parse("2001:db8::/48"), IPAddress.Parse("fd00:8::2"), 20)],
            c.Tun.RoutesIpv6);
        Assert.Empty(c.Warnings);
    }

    [Theory]
    [InlineData("route-ipv6 fd00:77::1/64", "s.conf:8: option 'route-ipv6': network fd00:77::1/64 has host bits set (the network is fd00:77::/64)")]
    [InlineData("route-ipv6 10.0.0.0/8", "s.conf:8: option 'route-ipv6': '10.0.0.0/8' is not an IPv6 network (NET/BITS)")]
    [InlineData("route-ipv6 fd00:77::/64 10.0.0.1", "s.conf:8: option 'route-ipv6': '10.0.0.1' is not an IPv6 address")]
    public void RouteIpv6_BadValue_NamesFileLineAndOption(string line, string expected)
    {
        ConfigException ex = ServerError(DualStackBase + line + "\n");
        Assert.Equal(expected, ex.Message);
    }

    [Fact]
    public void BlockIpv6_InAConfigFile_IsKept()
    {
        Assert.True(Server(DualStackBase + "block-ipv6\n").Tun.BlockIpv6);
        Assert.False(Server(DualStackBase).Tun.BlockIpv6);
    }
}
