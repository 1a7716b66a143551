using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>Strict PUSH_REPLY parsing (security.md lines 7-8; openvpn-protocol.md §10.5-10.6).</summary>
public sealed class PushReplyTests
{
    [Fact]
    public void ScenarioPushReply_ForA24Client()
    {
        PushReplyOptions p = PushedOptionParser.Parse(
            "PUSH_REPLY,route 192.168.1.0 255.255.255.0,route 10.0.1.1,topology net30,ping 10,ping-restart 120,ifconfig 10.0.1.6 10.0.1.5,peer-id 0,cipher AES-256-GCM");

        Assert.Empty(p.Dropped);
        Assert.Equal(
            [
                new Route(IPAddress.Parse("192.168.1.0"), IPAddress.Parse("255.255.255.0"), null, null),
                new Route(IPAddress.Parse("10.0.1.1"), IPAddress.Parse("255.255.255.255"), null, null),
            ],
            p.Routes);
        Assert.Equal(Topology.Net30, p.Topology);
        Assert.Equal((10, 120), (p.PingSeconds, p.PingRestartSeconds));
        Assert.Equal(new IfconfigSettings(IPAddress.Parse("10.0.1.6"), IPAddress.Parse("10.0.1.5")), p.Ifconfig);
        Assert.Equal(0, p.PeerId);
        Assert.Equal("AES-256-GCM", p.Cipher);
        Assert.True(p.IsComplete);
    }

    [Fact]
    public void ModernPushReply_For26Client()
    {
        PushReplyOptions p = PushedOptionParser.Parse(
            "PUSH_REPLY,route-gateway 10.8.0.1,topology subnet,ping 10,ping-restart 120,ifconfig 10.8.0.2 255.255.255.0,peer-id 3,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500,redirect-gateway def1 bypass-dhcp,dhcp-option DNS 10.8.0.1,dhcp-option DOMAIN corp.example\0");

        Assert.Empty(p.Dropped);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), p.RouteGateway);
        Assert.Equal(Topology.Subnet, p.Topology);
        Assert.Equal(new IfconfigSettings(IPAddress.Parse("10.8.0.2"), IPAddress.Parse("255.255.255.0")), p.Ifconfig);
        Assert.Equal(3, p.PeerId);
        Assert.Equal(["cc-exit", "tls-ekm", "dyn-tls-crypt"], p.ProtocolFlags);
        Assert.True(p.KeyDerivationTlsEkm);
        Assert.Equal(1500, p.TunMtu);
        Assert.True(p.RedirectGateway!.Def1);
        Assert.True(p.RedirectGateway.BypassDhcp);
        Assert.Equal([new DhcpOption("DNS", "10.8.0.1"), new DhcpOption("DOMAIN", "corp.example")], p.DhcpOptions);
    }

    [Theory]
    [InlineData("route 192.168.1.0 255.255.255.0 10.8.0.1.5", "'10.8.0.1.5' is not an IPv4 address")]
    [InlineData("route 192.168.1.7 255.255.255.0", "network 192.168.1.7 has host bits set for netmask 255.255.255.0")]
    [InlineData("route 192.168.1.0 255.0.255.0", "'255.0.255.0' is not a netmask")]
    [InlineData("route intranet.example.com", "'intranet.example.com' is not an IPv4 address")]
    [InlineData("route 1", "'1' is not an IPv4 address")]
    [InlineData("route", "expects 1 to 4 arguments, got 0")]
    [InlineData("ifconfig 10.8.0.2", "expects 2 argument(s), got 1")]
    [InlineData("ifconfig 0.0.0.0 255.255.255.0", "'0.0.0.0' is not a usable tunnel address")]
    [InlineData("ifconfig 127.0.0.1 127.0.0.2", "'127.0.0.1' is not a usable tunnel address")]
    [InlineData("peer-id 16777215", "'16777215' is not a number between 0 and 16777214")]
    [InlineData("peer-id -1", "'-1' is not a number between 0 and 16777214")]
    [InlineData("ping 1e3", "'1e3' is not a number between 0 and 86400")]
    [InlineData("cipher BF-CBC", "'BF-CBC' is not a supported data cipher (AES-128-GCM, AES-192-GCM, AES-256-GCM, CHACHA20-POLY1305, AES-128-CBC, AES-192-CBC, AES-256-CBC)")]
    [InlineData("dhcp-option DNS 10.0.0.1;rm", "'10.0.0.1;rm' is not an IPv4 address")]
    [InlineData("dhcp-option DOMAIN evil$(reboot)", "'evil$(reboot)' is not a domain name")]
    [InlineData("topology mesh", "'mesh' is not one of net30|p2p|subnet")]
    [InlineData("compress zstd", "'zstd' is not stub|stub-v2|lzo|lz4|lz4-v2")]
    [InlineData("up /tmp/x.sh", "option 'up' is not accepted from a server")]
    [InlineData("script-security 3", "option 'script-security' is not accepted from a server")]
    [InlineData("key-derivation prf", "'prf' is not 'tls-ekm'")]
    [InlineData("route-gateway dhcp", "'dhcp' is not an IPv4 address")]
    [InlineData("push-continuation 3", "'3' is not a number between 1 and 2")]
    [InlineData("redirect-gateway def1 everything", "'everything' is not a redirect-gateway flag (local, autolocal, def1, bypass-dhcp, bypass-dns, block-local, ipv6, !ipv4)")]
    public void InvalidPushedOption_IsDroppedWithReason_AndTheRestApplies(string bad, string reason)
    {
        PushReplyOptions p = PushedOptionParser.Parse($"PUSH_REPLY,ping 10,{bad},ping-restart 60");

        RejectedPushOption dropped = Assert.Single(p.Dropped);
        Assert.Equal(bad, dropped.Option);
        Assert.Equal(reason, dropped.Reason);
        Assert.Equal((10, 60), (p.PingSeconds, p.PingRestartSeconds));
        Assert.Empty(p.Routes);
        Assert.Null(p.Ifconfig);
        Assert.Null(p.PeerId);
    }

    [Fact]
    public void SubnetIfconfigWithoutNetmask_IsDropped()
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY,topology subnet,ifconfig 10.8.0.2 10.8.0.1");
        Assert.Null(p.Ifconfig);
        Assert.Equal("'10.8.0.1' is not a netmask, but the topology is subnet", Assert.Single(p.Dropped).Reason);
    }

    [Fact]
    public void PullFilter_IgnoreRemoves_RejectStopsEverything()
    {
        PullFilter[] filters =
        [
            new(PullFilterAction.Accept, "route 10.1."),
            new(PullFilterAction.Ignore, "route "),
            new(PullFilterAction.Reject, "redirect-gateway"),
        ];

        PushReplyOptions ok = PushedOptionParser.Parse("PUSH_REPLY,route 10.1.0.0 255.255.0.0,route 192.168.1.0 255.255.255.0,ping 10", filters);
        Assert.Equal(IPAddress.Parse("10.1.0.0"), Assert.Single(ok.Routes).Network);
        Assert.Equal(["route 192.168.1.0 255.255.255.0"], ok.FilteredOut);
        Assert.Null(ok.RejectedByFilter);

        PushReplyOptions rejected = PushedOptionParser.Parse("PUSH_REPLY,ping 10,redirect-gateway def1,ping-restart 60", filters);
        Assert.Equal("redirect-gateway def1", rejected.RejectedByFilter);
        Assert.Null(rejected.RedirectGateway);
        Assert.Equal(10, rejected.PingSeconds);
        Assert.Null(rejected.PingRestartSeconds);
    }

    [Fact]
    public void PullFilter_MatchesAfterLeadingWhitespace()
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY,  dhcp-option DNS 1.1.1.1", [new PullFilter(PullFilterAction.Ignore, "dhcp-option")]);
        Assert.Empty(p.DhcpOptions);
        Assert.Equal(["dhcp-option DNS 1.1.1.1"], p.FilteredOut);
    }

    [Fact]
    public void RouteNoPull_DropsRoutesRedirectAndDns_KeepsTheRest()
    {
        PushReplyOptions p = PushedOptionParser.Parse(
            "PUSH_REPLY,route 192.168.1.0 255.255.255.0,redirect-gateway def1,dhcp-option DNS 10.8.0.1,route-gateway 10.8.0.1,topology subnet,ifconfig 10.8.0.2 255.255.255.0",
            routeNoPull: true);
        Assert.Empty(p.Routes);
        Assert.Null(p.RedirectGateway);
        Assert.Empty(p.DhcpOptions);
        Assert.Equal(3, p.FilteredOut.Count);
        Assert.NotNull(p.Ifconfig);
        Assert.Equal(IPAddress.Parse("10.8.0.1"), p.RouteGateway);
    }

    [Fact]
    public void Continuations_AreMerged()
    {
        PushReplyOptions first = PushedOptionParser.Parse("PUSH_REPLY,route 10.1.0.0 255.255.0.0,push-continuation 2");
        Assert.False(first.IsComplete);

        PushReplyOptions all = PushedOptionParser.Parse(
            ["PUSH_REPLY,route 10.1.0.0 255.255.0.0,push-continuation 2", "PUSH_REPLY,route 10.2.0.0 255.255.0.0,ifconfig 10.8.0.6 10.8.0.5,push-continuation 1"]);
        Assert.Equal(2, all.Routes.Count);
        Assert.True(all.IsComplete);
        Assert.NotNull(all.Ifconfig);
    }

    [Fact]
    public void Ipv6Options_AreParsed_AndWindowsOptionsAcceptedWithANote()
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY,route-ipv6 2001:db8::/64,ifconfig-ipv6 2001:db8::1000/64 2001:db8::1,"
            + "route-ipv6 2001:db8:2::/48 2001:db8::1 7,tun-ipv6,block-outside-dns,register-dns");
        Assert.Empty(p.Dropped);
        Assert.Equal(new IfconfigIpv6Settings(IPAddress.Parse("2001:db8::1000"), 64, IPAddress.Parse("2001:db8::1")), p.IfconfigIpv6);
        Assert.Equal([new RouteIpv6(IPNetwork.Parse("2001:db8::/64"), null, null),
            new RouteIpv6(IPNetwork.Parse("2001:db8:2::/48"), IPAddress.Parse("2001:db8::1"), 7)], p.RoutesIpv6);
        Assert.Equal(3, p.Notes.Count); // tun-ipv6, block-outside-dns, register-dns
        Assert.True(p.BlockOutsideDns);
    }

    [Theory]
    [InlineData("ifconfig-ipv6 2001:db8::1000 2001:db8::1", "is not an IPv6 address with a prefix length")]
    [InlineData("ifconfig-ipv6 10.0.0.1/24 2001:db8::1", "is not an IPv6 address with a prefix length")]
    [InlineData("ifconfig-ipv6 2001:db8::1000/64 10.0.0.1", "is not an IPv6 address")]
    [InlineData("ifconfig-ipv6 ff02::1/64 2001:db8::1", "is not a usable tunnel address")]
    [InlineData("ifconfig-ipv6 2001:db8::1000/48 2001:db8::1", "is not a usable tunnel address")]
    [InlineData("route-ipv6 2001:db8::1/64", "is not an IPv6 network")]
    [InlineData("route-ipv6 192.168.0.0/24", "is not an IPv6 network")]
    [InlineData("route-ipv6 2001:db8::/64 10.0.0.1", "is not an IPv6 gateway")]
    public void Ipv6Options_Invalid_AreDroppedWithTheReason(string option, string reason)
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY," + option);
        RejectedPushOption dropped = Assert.Single(p.Dropped);
        Assert.Equal(option, dropped.Option);
        Assert.Contains(reason, dropped.Reason, StringComparison.Ordinal);
        Assert.Null(p.IfconfigIpv6);
        Assert.Empty(p.RoutesIpv6);
    }

    [Fact]
    public void CompressionAndAuthTokens()
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY,comp-lzo no,auth-token SESS_abc123,auth-token-user YWxpY2U=,explicit-exit-notify 2,block-ipv6,auth SHA256");
        Assert.Empty(p.Dropped);
        Assert.Equal(CompressionMode.LzoNo, p.Compression);
        Assert.Equal("SESS_abc123", p.AuthToken);
        Assert.Equal("alice", p.AuthTokenUser);
        Assert.Equal(2, p.ExplicitExitNotify);
        Assert.True(p.BlockIpv6);
        Assert.Equal("SHA256", p.Auth);
        Assert.Equal(CompressionMode.StubV2, PushedOptionParser.Parse("PUSH_REPLY,compress stub-v2").Compression);
    }

    [Fact]
    public void TooManyRoutes_AreDroppedBeyondTheLimit()
    {
        string msg = "PUSH_REPLY" + string.Concat(Enumerable.Range(0, 120).Select(i => $",route 10.{i}.0.0 255.255.0.0"));
        PushReplyOptions p = PushedOptionParser.Parse(msg);
        Assert.Equal(PushedOptionParser.MaxRoutes, p.Routes.Count);
        Assert.Equal(20, p.Dropped.Count);
    }

    [Fact]
    public void EmptyPushReply_IsValid()
    {
        PushReplyOptions p = PushedOptionParser.Parse("PUSH_REPLY");
        Assert.Empty(p.Dropped);
        Assert.True(p.IsComplete);
    }

    [Theory]
    [InlineData("PUSH_REPLY,ping-restart 60,ping-exit 30", null, 30)]
    [InlineData("PUSH_REPLY,ping-exit 30,ping-restart 60", 60, null)]
    public void PingRestartAndPingExit_OneTimer_TheLastPushedWins(string reply, int? restart, int? exit)
    {
        PushReplyOptions p = PushedOptionParser.Parse(reply);
        Assert.Equal((restart, exit), (p.PingRestartSeconds, p.PingExitSeconds));
    }
}
