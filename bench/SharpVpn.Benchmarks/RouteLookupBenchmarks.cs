using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using SharpVpn.Platform.Transport;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Benchmarks;

/// <summary>
/// The server's per-packet lookups in <see cref="ServerRoutes"/>: TUN → client by destination IPv4 (exact /32, then
/// iroutes longest prefix first), the same by destination IPv6 (server-ipv6), the source checks on packets from a
/// client, and UDP source address → client. Clients on 10.8.0.2.. and fd00:8::1000.., plus three clients with
/// iroutes (192.168.10.0/24, 192.168.20.0/24, 172.16.0.0/16) and one with an iroute-ipv6 (fd00:77::/64).
/// </summary>
[MemoryDiagnoser]
public class RouteLookupBenchmarks
{
    private static readonly FieldInfo PeerIdField =
        typeof(ServerClient).GetField("<PeerId>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new InvalidOperationException("ServerClient.PeerId backing field not found.");

    private ServerRoutes _routes = null!;
    private ServerClient _last = null!;
    private ServerClient _withIroute = null!;
    private PeerEndpoint _lastEndpoint;
    private uint _lastAddress;
    private UInt128 _lastAddress6;

    [Params(1, 50, 1000)]
    public int Clients { get; set; } = 1;

    [GlobalSetup]
    public void Setup()
    {
        _routes = new ServerRoutes(Clients);
        (uint Network, uint Mask)[] iroutes =
        [
            (Ip(192, 168, 10, 0), 0xFFFF_FF00),
            (Ip(192, 168, 20, 0), 0xFFFF_FF00),
            (Ip(172, 16, 0, 0), 0xFFFF_0000),
        ];
        // iroute j belongs to client Clients-1-j (all three to the only client when there is one).
        var perClient = new List<(uint Network, uint Mask)>[Clients];
        for (int j = 0; j < iroutes.Length; j++)
        {
            int owner = Clients - 1 - (j % Clients);
            (perClient[owner] ??= []).Add(iroutes[j]);
        }
        for (int i = 0; i < Clients; i++)
        {
            uint address = Ip(10, 8, 0, 2) + (uint)i;
            var endpoint = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 20000 + i);
            ServerClient client = NewClient(_routes.AllocatePeerId(), address, endpoint, perClient[i]?.ToArray() ?? []);
            client.VirtualAddress6 = Ipv6Pool + (uint)i;
            client.IRoutes6 = i == 0 ? [(Ipv6Iroute, UInt128.MaxValue << 64)] : [];
            _routes.Add(client);
            _routes.AddAddresses(client);
            _last = client;
            _lastAddress = address;
            _lastAddress6 = client.VirtualAddress6;
            _lastEndpoint = client.Address.Endpoint;
        }
        _withIroute = _routes.FindByVirtualAddress(Ip(192, 168, 10, 9)) ?? throw new InvalidOperationException("iroute setup");
        if (_routes.FindByVirtualAddress(_lastAddress) != _last || _routes.FindByEndpoint(_lastEndpoint) != _last
            || HitIroute() is null || Miss() is not null || !SourceAllowed() || FindByPeerId() != _last
            || HitAddressIpv6() != _last || HitIrouteIpv6() is null || MissIpv6() is not null || !SourceAllowedIpv6())
        {
            throw new InvalidOperationException("route setup");
        }
    }

    /// <summary>TUN → client: the destination is a client's tunnel address.</summary>
    [Benchmark]
    public object? HitAddress() => _routes.FindByVirtualAddress(_lastAddress);

    /// <summary>TUN → client: the destination is in a client's iroute (exact lookup misses, then the iroute scan).</summary>
    [Benchmark]
    public object? HitIroute() => _routes.FindByVirtualAddress(Ip(192, 168, 20, 77));

    /// <summary>TUN → nobody (e.g. 10.8.0.250 with no such client, or an Internet address): dropped.</summary>
    [Benchmark]
    public object? Miss() => _routes.FindByVirtualAddress(Ip(203, 0, 113, 9));

    /// <summary>Client → TUN source check against the client's address and iroutes (here: an iroute source).</summary>
    [Benchmark]
    public bool SourceAllowed() => ServerRoutes.IsSourceAllowed(_withIroute, Ip(192, 168, 10, 9));

    /// <summary>TUN → client by IPv6 destination: a client's server-ipv6 address.</summary>
    [Benchmark]
    public object? HitAddressIpv6() => _routes.FindByVirtualAddress6(_lastAddress6);

    /// <summary>TUN → client by IPv6 destination inside an iroute-ipv6.</summary>
    [Benchmark]
    public object? HitIrouteIpv6() => _routes.FindByVirtualAddress6(Ipv6Iroute + 0x99);

    /// <summary>TUN → nobody for IPv6 (an Internet address): dropped.</summary>
    [Benchmark]
    public object? MissIpv6() => _routes.FindByVirtualAddress6(((UInt128)0x2001_0db8_0000_0000 << 64) | 9);

    /// <summary>Client → TUN IPv6 source check (its own address).</summary>
    [Benchmark]
    public bool SourceAllowedIpv6() => ServerRoutes.IsSourceAllowed6(_last, _lastAddress6);

    /// <summary>UDP receive: transport address → client (P_DATA_V1 and control packets).</summary>
    [Benchmark]
    public object? FindByEndpoint() => _routes.FindByEndpoint(_lastEndpoint);

    /// <summary>UDP receive: P_DATA_V2 peer-id → client.</summary>
    [Benchmark]
    public object? FindByPeerId() => _routes.FindByPeerId(_last.PeerId);

    private static readonly UInt128 Ipv6Pool = ((UInt128)0xfd00_0008_0000_0000 << 64) | 0x1000; // fd00:8::1000
    private static readonly UInt128 Ipv6Iroute = (UInt128)0xfd00_0077_0000_0000 << 64; // fd00:77::/64

    private static uint Ip(byte a, byte b, byte c, byte d) => ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    // The real constructor needs a live TunnelSession and data pipe; the lookups read only the peer-id, the
    // transport address, the tunnel address and the iroutes, so those are all that is filled in.
    private static ServerClient NewClient(int peerId, uint address, IPEndPoint endpoint, (uint Network, uint Mask)[] iroutes)
    {
        var client = (ServerClient)RuntimeHelpers.GetUninitializedObject(typeof(ServerClient));
        PeerIdField.SetValue(client, peerId);
        SocketAddress socketAddress = endpoint.Serialize();
        if (!PeerEndpoint.TryFrom(socketAddress, out PeerEndpoint peer))
        {
            throw new InvalidOperationException("endpoint");
        }
        client.SetAddress(new ClientAddress(peer, socketAddress));
        client.VirtualAddress = address;
        client.IRoutes = iroutes;
        return client;
    }
}
