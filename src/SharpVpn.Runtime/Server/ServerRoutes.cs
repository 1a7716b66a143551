using System.Collections.Concurrent;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The server's lookup tables (multi.c's hash tables): peer-id → client (P_DATA_V2), transport address → client
/// (UDP P_DATA_V1 and control), virtual address → client (TUN → client; exact /32 first, then iroutes by longest
/// prefix; the same for IPv6 with server-ipv6 and iroute-ipv6). Written by the control loop only; read by the data threads without locks or allocation: the peer-id
/// slots are volatile array elements, the endpoint map a ConcurrentDictionary, the address table a copy-on-write
/// dictionary replaced whole.
/// </summary>
internal sealed class ServerRoutes
{
    private readonly ServerClient?[] _byPeerId;
    private readonly ConcurrentDictionary<PeerEndpoint, ServerClient> _byEndpoint = new();
    private volatile Dictionary<uint, ServerClient> _byAddress = new();
    private volatile IRoute[] _iroutes = [];
    private volatile Dictionary<UInt128, ServerClient> _byAddress6 = new();
    private volatile IRoute6[] _iroutes6 = [];

    public ServerRoutes(int maxClients)
    {
        // Slots for max-clients plus clients still handshaking (they hold a peer-id from their first packet).
        _byPeerId = new ServerClient?[Math.Min(0xFFFFFE, Math.Max(16, maxClients * 2))];
    }

    private sealed record IRoute(uint Network, uint Mask, int PrefixLength, ServerClient Client);

    private sealed record IRoute6(UInt128 Network, UInt128 Mask, int PrefixLength, ServerClient Client);

    public int Capacity => _byPeerId.Length;

    /// <summary>Lowest free peer-id, or -1 when full. Control loop.</summary>
    public int AllocatePeerId()
    {
        for (int i = 0; i < _byPeerId.Length; i++)
        {
            if (Volatile.Read(ref _byPeerId[i]) is null)
            {
                return i;
            }
        }

        return -1;
    }

    public void Add(ServerClient client)
    {
        Volatile.Write(ref _byPeerId[client.PeerId], client);
        if (client.Tcp is null)
        {
            _byEndpoint[client.Address.Endpoint] = client;
        }
    }

    public void Remove(ServerClient client)
    {
        if ((uint)client.PeerId < (uint)_byPeerId.Length && ReferenceEquals(Volatile.Read(ref _byPeerId[client.PeerId]), client))
        {
            Volatile.Write(ref _byPeerId[client.PeerId], null);
        }

        if (client.Tcp is null)
        {
            _byEndpoint.TryRemove(new KeyValuePair<PeerEndpoint, ServerClient>(client.Address.Endpoint, client));
        }

        RemoveAddresses(client);
    }

    /// <summary>Moves a UDP client to its new address (after an authenticated packet from there).</summary>
    public void Float(ServerClient client, ClientAddress address)
    {
        _byEndpoint.TryRemove(new KeyValuePair<PeerEndpoint, ServerClient>(client.Address.Endpoint, client));
        client.SetAddress(address);
        _byEndpoint[address.Endpoint] = client;
    }

    public ServerClient? FindByPeerId(int peerId) =>
        (uint)peerId < (uint)_byPeerId.Length ? Volatile.Read(ref _byPeerId[peerId]) : null;

    public ServerClient? FindByEndpoint(in PeerEndpoint endpoint) =>
        _byEndpoint.TryGetValue(endpoint, out ServerClient? client) ? client : null;

    /// <summary>The client a packet to <paramref name="destination"/> goes to (exact address, then iroutes), or null.</summary>
    public ServerClient? FindByVirtualAddress(uint destination)
    {
        if (_byAddress.TryGetValue(destination, out ServerClient? client))
        {
            return client;
        }

        IRoute[] iroutes = _iroutes;
        for (int i = 0; i < iroutes.Length; i++)
        {
            // Sorted by prefix length, longest first.
            if ((destination & iroutes[i].Mask) == iroutes[i].Network)
            {
                return iroutes[i].Client;
            }
        }

        return null;
    }

    /// <summary>The client an IPv6 packet to <paramref name="destination"/> goes to (exact address, then iroute-ipv6), or null.</summary>
    public ServerClient? FindByVirtualAddress6(UInt128 destination)
    {
        if (_byAddress6.TryGetValue(destination, out ServerClient? client))
        {
            return client;
        }

        IRoute6[] iroutes = _iroutes6;
        for (int i = 0; i < iroutes.Length; i++)
        {
            // Sorted by prefix length, longest first.
            if ((destination & iroutes[i].Mask) == iroutes[i].Network)
            {
                return iroutes[i].Client;
            }
        }

        return null;
    }

    /// <summary>True if the IPv6 <paramref name="source"/> may be used by <paramref name="client"/> (its address or an iroute-ipv6).</summary>
    public static bool IsSourceAllowed6(ServerClient client, UInt128 source)
    {
        if (source == client.VirtualAddress6 && source != UInt128.Zero)
        {
            return true;
        }

        foreach ((UInt128 network, UInt128 mask) in client.IRoutes6)
        {
            if ((source & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True if <paramref name="source"/> may be used by <paramref name="client"/> (its address or one of its iroutes).</summary>
    public static bool IsSourceAllowed(ServerClient client, uint source)
    {
        if (source == client.VirtualAddress)
        {
            return true;
        }

        foreach ((uint network, uint mask) in client.IRoutes)
        {
            if ((source & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Publishes the client's virtual address and iroutes. Control loop.</summary>
    public void AddAddresses(ServerClient client)
    {
        var table = new Dictionary<uint, ServerClient>(_byAddress) { [client.VirtualAddress] = client };
        _byAddress = table;
        if (client.IRoutes.Length > 0)
        {
            var list = new List<IRoute>(_iroutes);
            foreach ((uint network, uint mask) in client.IRoutes)
            {
                list.Add(new IRoute(network, mask, System.Numerics.BitOperations.PopCount(mask), client));
            }

            list.Sort((a, b) => b.PrefixLength.CompareTo(a.PrefixLength));
            _iroutes = [.. list];
        }

        if (client.VirtualAddress6 != UInt128.Zero)
        {
            _byAddress6 = new Dictionary<UInt128, ServerClient>(_byAddress6) { [client.VirtualAddress6] = client };
        }

        if (client.IRoutes6.Length > 0)
        {
            var list = new List<IRoute6>(_iroutes6);
            foreach ((UInt128 network, UInt128 mask) in client.IRoutes6)
            {
                list.Add(new IRoute6(network, mask, (int)UInt128.PopCount(mask), client));
            }

            list.Sort((a, b) => b.PrefixLength.CompareTo(a.PrefixLength));
            _iroutes6 = [.. list];
        }
    }

    private void RemoveAddresses(ServerClient client)
    {
        if (client.VirtualAddress != 0 && _byAddress.TryGetValue(client.VirtualAddress, out ServerClient? owner) && ReferenceEquals(owner, client))
        {
            var table = new Dictionary<uint, ServerClient>(_byAddress);
            table.Remove(client.VirtualAddress);
            _byAddress = table;
        }

        if (Array.Exists(_iroutes, r => ReferenceEquals(r.Client, client)))
        {
            _iroutes = Array.FindAll(_iroutes, r => !ReferenceEquals(r.Client, client));
        }

        if (client.VirtualAddress6 != UInt128.Zero && _byAddress6.TryGetValue(client.VirtualAddress6, out ServerClient? owner6) && ReferenceEquals(owner6, client))
        {
            var table = new Dictionary<UInt128, ServerClient>(_byAddress6);
            table.Remove(client.VirtualAddress6);
            _byAddress6 = table;
        }

        if (Array.Exists(_iroutes6, r => ReferenceEquals(r.Client, client)))
        {
            _iroutes6 = Array.FindAll(_iroutes6, r => !ReferenceEquals(r.Client, client));
        }
    }
}
