using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// The server's dynamic address pool as OpenVPN builds it (helper.c <c>helper_client_server</c>,
/// pool.c <c>ifconfig_pool_init</c>/<c>ifconfig_pool_acquire</c>; openvpn-protocol.md §13).
/// <list type="bullet">
/// <item>net30: /30 blocks from <see cref="PoolStart"/> (rounded down to a multiple of 4); block i has base
/// b = start + 4i, the client gets b+2 and its peer b+1; pushed "ifconfig b+2 b+1".</item>
/// <item>subnet: individual addresses start..end; pushed "ifconfig ip netmask".</item>
/// <item>p2p: individual addresses; pushed "ifconfig ip server-tun-address".</item>
/// </list>
/// <c>server 10.0.1.0 255.255.255.0</c>: net30 → server 10.0.1.1 (peer 10.0.1.2), pool 10.0.1.4-10.0.1.251,
/// first client 10.0.1.6; subnet → server 10.0.1.1/24, pool 10.0.1.2-10.0.1.254, first client 10.0.1.2.
/// </summary>
public sealed record AddressPool
{
    public AddressPool(Topology topology, IPAddress serverAddress, IPAddress serverRemoteOrNetmask, IPAddress poolStart, IPAddress poolEnd, IPAddress netmask)
    {
        Topology = topology;
        ServerAddress = serverAddress;
        ServerRemoteOrNetmask = serverRemoteOrNetmask;
        PoolStart = poolStart;
        PoolEnd = poolEnd;
        Netmask = netmask;
        uint start = Ipv4.ToUInt32(poolStart);
        uint end = Ipv4.ToUInt32(poolEnd);
        if (topology == Topology.Net30)
        {
            _base = start & ~3u;
            Size = (int)((((long)(end | 3u)) + 1 - _base) >> 2);
        }
        else
        {
            _base = start;
            Size = (int)(end - start + 1);
        }
    }

    private readonly uint _base;

    public Topology Topology { get; }

    /// <summary>The server's own tun address (<c>ifconfig</c> local).</summary>
    public IPAddress ServerAddress { get; }

    /// <summary>The second <c>ifconfig</c> argument of the server: peer address (net30/p2p) or netmask (subnet).</summary>
    public IPAddress ServerRemoteOrNetmask { get; }

    public IPAddress PoolStart { get; }

    public IPAddress PoolEnd { get; }

    /// <summary>Netmask of the VPN network (pushed with subnet topology).</summary>
    public IPAddress Netmask { get; }

    /// <summary>Number of clients the pool can hold (net30: number of /30 blocks).</summary>
    public int Size { get; }

    /// <summary>The entry with pool index <paramref name="index"/> (0-based, as OpenVPN's pool handle).</summary>
    public PoolAssignment GetAssignment(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Size);
        return Topology switch
        {
            Topology.Net30 => Net30(index),
            Topology.P2p => new PoolAssignment(index, Ipv4.ToAddress(_base + (uint)index), ServerAddress, Ipv4.ToAddress(_base + (uint)index)),
            _ => new PoolAssignment(index, Ipv4.ToAddress(_base + (uint)index), Netmask, Ipv4.ToAddress(_base + (uint)index)),
        };
    }

    private PoolAssignment Net30(int index)
    {
        uint b = _base + ((uint)index << 2);
        return new PoolAssignment(index, Ipv4.ToAddress(b + 2), Ipv4.ToAddress(b + 1), Ipv4.ToAddress(b));
    }

    /// <summary>
    /// Pool index of an address: for net30 any address inside a block (base, peer or client address)
    /// maps to that block, as OpenVPN's <c>ifconfig_pool_ip_base_to_handle</c> does for the base. -1 if outside.
    /// </summary>
    public int IndexOf(IPAddress address)
    {
        uint a = Ipv4.ToUInt32(address);
        if (a < _base)
        {
            return -1;
        }

        long offset = Topology == Topology.Net30 ? (a - _base) >> 2 : a - _base;
        return offset < Size ? (int)offset : -1;
    }
}

/// <summary>
/// One pool entry: <see cref="ClientAddress"/> and <see cref="PeerOrNetmask"/> are the two arguments of
/// the pushed <c>ifconfig</c>; <see cref="BaseAddress"/> is what <c>ifconfig-pool-persist</c> stores
/// (the /30 block base for net30, the address itself otherwise).
/// </summary>
public sealed record PoolAssignment(int Index, IPAddress ClientAddress, IPAddress PeerOrNetmask, IPAddress BaseAddress)
{
    /// <summary>"ifconfig 10.0.1.6 10.0.1.5" as pushed to the client.</summary>
    public string ToPushOption() => $"ifconfig {ClientAddress} {PeerOrNetmask}";
}
