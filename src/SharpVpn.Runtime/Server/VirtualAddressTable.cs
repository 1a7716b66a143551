using System.Numerics;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Virtual address → client for one address family (<see cref="uint"/> for IPv4, <see cref="UInt128"/> for IPv6, both
/// in network order as integers): exact addresses first, then iroutes by longest prefix (multi.c's vhash). Written by
/// the control loop only, read by the data threads without locks or allocation: both tables are copy-on-write and
/// replaced whole. The generic code is specialised per family, so the per-packet lookup costs what a hand-written
/// one would.
/// </summary>
internal sealed class VirtualAddressTable<T> where T : unmanaged, IBinaryInteger<T>
{
    private volatile Dictionary<T, ServerClient> _exact = new();
    private volatile IRoute[] _iroutes = [];

    private sealed record IRoute(T Network, T Mask, int PrefixLength, ServerClient Client);

    /// <summary>The client a packet to <paramref name="destination"/> goes to, or null.</summary>
    public ServerClient? Find(T destination)
    {
        if (_exact.TryGetValue(destination, out ServerClient? client))
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

    /// <summary>True if <paramref name="source"/> is <paramref name="address"/> (not zero: none) or inside one of <paramref name="iroutes"/>.</summary>
    public static bool Covers(T source, T address, (T Network, T Mask)[] iroutes)
    {
        if (source == address && address != T.Zero)
        {
            return true;
        }

        foreach ((T network, T mask) in iroutes)
        {
            if ((source & mask) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Publishes <paramref name="client"/>'s <paramref name="address"/> (zero: none) and iroutes. Control loop.</summary>
    public void Add(ServerClient client, T address, (T Network, T Mask)[] iroutes)
    {
        if (address != T.Zero)
        {
            _exact = new Dictionary<T, ServerClient>(_exact) { [address] = client };
        }

        if (iroutes.Length > 0)
        {
            var list = new List<IRoute>(_iroutes);
            foreach ((T network, T mask) in iroutes)
            {
                list.Add(new IRoute(network, mask, int.CreateTruncating(T.PopCount(mask)), client));
            }

            list.Sort((a, b) => b.PrefixLength.CompareTo(a.PrefixLength));
            _iroutes = [.. list];
        }
    }

    /// <summary>Withdraws what <see cref="Add"/> published for <paramref name="client"/> (an address taken over since stays). Control loop.</summary>
    public void Remove(ServerClient client, T address)
    {
        if (address != T.Zero && _exact.TryGetValue(address, out ServerClient? owner) && ReferenceEquals(owner, client))
        {
            var table = new Dictionary<T, ServerClient>(_exact);
            table.Remove(address);
            _exact = table;
        }

        if (Array.Exists(_iroutes, r => ReferenceEquals(r.Client, client)))
        {
            _iroutes = Array.FindAll(_iroutes, r => !ReferenceEquals(r.Client, client));
        }
    }
}
