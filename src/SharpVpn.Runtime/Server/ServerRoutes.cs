using System.Collections.Concurrent;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The server's lookup tables (multi.c's hash tables): peer-id → client (P_DATA_V2), transport address → client
/// (UDP P_DATA_V1 and control), virtual address → client (TUN → client; exact /32 first, then iroutes by longest
/// prefix). Written by the control loop only; read by the data threads without locks or allocation: the peer-id
/// slots are volatile array elements, the endpoint map a ConcurrentDictionary, the address table a copy-on-write
/// dictionary replaced whole.
/// </summary>
internal sealed class ServerRoutes
{
    private readonly ServerClient?[] _byPeerId;
    private readonly ConcurrentDictionary<PeerEndpoint, ServerClient> _byEndpoint = new();
    private volatile Dictionary<uint, ServerClient> _byAddress = new();
    private volatile IRoute[] _iroutes = [];

    public ServerRoutes(int maxClients)
    {
        // Slots for max-clients plus clients still handshaking (they hold a peer-id from their first packet).
        _byPeerId = new ServerClient?[Math.Min(0xFFFFFE, Math.Max(16, maxClients * 2))];
    }

    private sealed record IRoute(uint Network, uint Mask, int PrefixLength, ServerClient Client);

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
    }
}
