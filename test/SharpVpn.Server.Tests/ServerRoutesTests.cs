using System.Net;
using System.Net.Sockets;
using SharpVpn.DataChannel;
using SharpVpn.Platform.Transport;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>The lookup tables the data threads use: peer-id, transport address, virtual address and iroutes.</summary>
public sealed class ServerRoutesTests
{
    [Fact]
    public void VirtualAddressLookup_ExactFirstThenLongestIroute()
    {
        var routes = new ServerRoutes(16);
        ServerClient a = Client(routes, "172.16.0.8", 1000, "10.0.1.6", [("192.168.10.0", 24)]);
        ServerClient b = Client(routes, "172.16.0.9", 1001, "10.0.1.10", [("192.168.0.0", 16)]);

        Assert.Same(a, routes.FindByVirtualAddress(Ip("10.0.1.6")));
        Assert.Same(b, routes.FindByVirtualAddress(Ip("10.0.1.10")));
        Assert.Same(a, routes.FindByVirtualAddress(Ip("192.168.10.77"))); // /24 beats /16
        Assert.Same(b, routes.FindByVirtualAddress(Ip("192.168.11.77")));
        Assert.Null(routes.FindByVirtualAddress(Ip("10.0.1.14")));

        routes.Remove(a);
        Assert.Null(routes.FindByVirtualAddress(Ip("10.0.1.6")));
        Assert.Same(b, routes.FindByVirtualAddress(Ip("192.168.10.77")));
        Assert.Null(routes.FindByPeerId(a.PeerId));
        Assert.Same(b, routes.FindByPeerId(b.PeerId));
    }

    [Fact]
    public void SourceCheck_AllowsOnlyTheClientsAddressAndIroutes()
    {
        var routes = new ServerRoutes(16);
        ServerClient a = Client(routes, "172.16.0.8", 1000, "10.0.1.6", [("192.168.10.0", 24)]);
        Assert.True(ServerRoutes.IsSourceAllowed(a, Ip("10.0.1.6")));
        Assert.True(ServerRoutes.IsSourceAllowed(a, Ip("192.168.10.5")));
        Assert.False(ServerRoutes.IsSourceAllowed(a, Ip("10.0.1.10"))); // spoofing another client
        Assert.False(ServerRoutes.IsSourceAllowed(a, Ip("192.168.11.5")));
    }

    [Fact]
    public void Ipv6Lookup_ExactFirstThenLongestIrouteIpv6_AndGoneWithTheClient()
    {
        var routes = new ServerRoutes(16);
        ServerClient a = Client(routes, "172.16.0.8", 1000, "10.0.1.2", [], "fd00:1::1000", [("fd00:77::", 64)]);
        ServerClient b = Client(routes, "172.16.0.9", 1001, "10.0.1.3", [], "fd00:1::1001", [("fd00::", 16)]);

        Assert.Same(a, routes.FindByVirtualAddress6(Ip6("fd00:1::1000")));
        Assert.Same(b, routes.FindByVirtualAddress6(Ip6("fd00:1::1001")));
        Assert.Same(a, routes.FindByVirtualAddress6(Ip6("fd00:77::5"))); // /64 beats /16
        Assert.Same(b, routes.FindByVirtualAddress6(Ip6("fd00:78::5")));
        Assert.Null(routes.FindByVirtualAddress6(Ip6("2001:db8::1")));
        Assert.Null(routes.FindByVirtualAddress(Ip("10.0.1.4")));

        routes.Remove(a);
        Assert.Same(b, routes.FindByVirtualAddress6(Ip6("fd00:77::5"))); // now only b's /16 covers it
        Assert.Same(b, routes.FindByVirtualAddress6(Ip6("fd00:1::1000"))); // inside b's fd00::/16 iroute, not a's address
    }

    [Fact]
    public void Ipv6SourceCheck_AllowsOnlyTheClientsAddressAndIroutesIpv6()
    {
        var routes = new ServerRoutes(16);
        ServerClient a = Client(routes, "172.16.0.8", 1000, "10.0.1.2", [], "fd00:1::1000", [("fd00:77::", 64)]);
        ServerClient v4only = Client(routes, "172.16.0.9", 1001, "10.0.1.3", []);
        Assert.True(ServerRoutes.IsSourceAllowed6(a, Ip6("fd00:1::1000")));
        Assert.True(ServerRoutes.IsSourceAllowed6(a, Ip6("fd00:77::abcd")));
        Assert.False(ServerRoutes.IsSourceAllowed6(a, Ip6("fd00:1::1001"))); // spoofing another client
        Assert.False(ServerRoutes.IsSourceAllowed6(a, Ip6("fd00:78::1")));
        Assert.False(ServerRoutes.IsSourceAllowed6(v4only, Ip6("::"))); // no IPv6 address: no IPv6 source at all
        Assert.False(ServerRoutes.IsSourceAllowed6(v4only, Ip6("fd00:1::1001")));
    }

    [Fact]
    public void EndpointLookup_FollowsAFloatAndPeerIdsAreReused()
    {
        var routes = new ServerRoutes(16);
        ServerClient a = Client(routes, "172.16.0.8", 1000, "10.0.1.6", []);
        var moved = Address("172.16.0.9", 2000);
        routes.Float(a, moved);
        Assert.Null(routes.FindByEndpoint(PeerEndpoint.From(new IPEndPoint(IPAddress.Parse("172.16.0.8"), 1000))));
        Assert.Same(a, routes.FindByEndpoint(moved.Endpoint));
        routes.Remove(a);
        Assert.Equal(a.PeerId, routes.AllocatePeerId());
    }

    private static uint Ip(string text) => SharpVpn.Config.Ipv4.ToUInt32(IPAddress.Parse(text));

    private static UInt128 Ip6(string text) => SharpVpn.Config.Ipv6.ToUInt128(IPAddress.Parse(text));

    private static ClientAddress Address(string ip, int port)
    {
        var endpoint = new IPEndPoint(IPAddress.Parse(ip), port);
        return new ClientAddress(PeerEndpoint.From(endpoint), endpoint.Serialize());
    }

    private static ServerClient Client(ServerRoutes routes, string ip, int port, string vaddr, (string Net, int Prefix)[] iroutes,
        string? vaddr6 = null, (string Net, int Prefix)[]? iroutes6 = null)
    {
        int peerId = routes.AllocatePeerId();
        ServerClient client = TestClients.Create(peerId, ip, port);
        client.VirtualAddress = Ip(vaddr);
        client.IRoutes = iroutes.Select(r => (Ip(r.Net), SharpVpn.Config.Ipv4.MaskFromPrefix(r.Prefix))).ToArray();
        client.VirtualAddress6 = vaddr6 is null ? UInt128.Zero : Ip6(vaddr6);
        client.IRoutes6 = (iroutes6 ?? []).Select(r => (Ip6(r.Net), SharpVpn.Config.Ipv6.Mask(r.Prefix))).ToArray();
        routes.Add(client);
        routes.AddAddresses(client);
        return client;
    }
}
