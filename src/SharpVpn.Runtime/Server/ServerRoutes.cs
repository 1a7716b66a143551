using System.Collections.Concurrent;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The server's lookup tables (multi.c's hash tables): peer-id → client (P_DATA_V2), transport address → client
/// (UDP P_DATA_V1 and control), virtual address → client (TUN → client; exact /32 first, then iroutes by longest
/// prefix; the same for IPv6 with server-ipv6 and iroute-ipv6: <see cref="VirtualAddressTable{T}"/>). Written by the
/// control loop only; read by the data threads without locks or allocation: the peer-id slots are volatile array
/// elements, the endpoint map a ConcurrentDictionary, the address tables copy-on-write and replaced whole.
/// </summary>
internal sealed class ServerRoutes
{
    private readonly ServerClient?[] _byPeerId;
    private readonly ConcurrentDictionary<PeerEndpoint, ServerClient> _byEndpoint = new();
    private readonly VirtualAddressTable<uint> _byAddress = new();
    private readonly VirtualAddressTable<UInt128> _byAddress6 = new();

    public ServerRoutes(int maxClients)
    {
        // Slots for max-clients plus clients still handshaking (they hold a peer-id from their first packet).
        _byPeerId = new ServerClient?[Math.Min(0xFFFFFE, Math.Max(16, maxClients * 2))];
    }

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
    public ServerClient? FindByVirtualAddress(uint destination) => _byAddress.Find(destination);

    /// <summary>The client an IPv6 packet to <paramref name="destination"/> goes to (exact address, then iroute-ipv6), or null.</summary>
    public ServerClient? FindByVirtualAddress6(UInt128 destination) => _byAddress6.Find(destination);

    /// <summary>True if <paramref name="source"/> may be used by <paramref name="client"/> (its address or one of its iroutes).</summary>
    public static bool IsSourceAllowed(ServerClient client, uint source) =>
        VirtualAddressTable<uint>.Covers(source, client.VirtualAddress, client.IRoutes);

    /// <summary>True if the IPv6 <paramref name="source"/> may be used by <paramref name="client"/> (its address or an iroute-ipv6).</summary>
    public static bool IsSourceAllowed6(ServerClient client, UInt128 source) =>
        VirtualAddressTable<UInt128>.Covers(source, client.VirtualAddress6, client.IRoutes6);

    /// <summary>Publishes the client's virtual addresses and iroutes. Control loop.</summary>
    public void AddAddresses(ServerClient client)
    {
        _byAddress.Add(client, client.VirtualAddress, client.IRoutes);
        _byAddress6.Add(client, client.VirtualAddress6, client.IRoutes6);
    }

    private void RemoveAddresses(ServerClient client)
    {
        _byAddress.Remove(client, client.VirtualAddress);
        _byAddress6.Remove(client, client.VirtualAddress6);
    }
}
