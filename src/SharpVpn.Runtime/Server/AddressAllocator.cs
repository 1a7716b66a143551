using System.Net;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The dynamic pool with <c>ifconfig-pool-persist</c> (OpenVPN pool.c ifconfig_pool_acquire/ifconfig_pool_read/write):
/// a client gets the entry last held by its common name if that is free, else the first entry never handed to anyone
/// (so other clients' remembered addresses stay theirs), else the first free one. With <c>duplicate-cn</c> names do
/// not own entries. The file is rewritten (atomically) when an assignment changes and at shutdown, unless the
/// interval is 0 (read-only, as OpenVPN). Control loop only.
/// </summary>
internal sealed class AddressAllocator
{
    private readonly AddressPool _pool;
    private readonly bool[] _inUse;
    private readonly string?[] _owner;
    private readonly string? _persistFile;
    private readonly bool _persistWrites;
    private readonly bool _duplicateCn;
    private bool _dirty;

    private readonly ServerIpv6Settings? _ipv6;

    /// <param name="ipv6">server-ipv6: each entry's IPv6 address goes into the file too ("cn,ipv4,ipv6" as 2.6 writes it).</param>
    public AddressAllocator(AddressPool pool, string? persistFile, int persistSeconds, bool duplicateCn, ServerIpv6Settings? ipv6 = null)
    {
        _pool = pool;
        _ipv6 = ipv6;
        _inUse = new bool[pool.Size];
        _owner = new string?[pool.Size];
        _persistFile = persistFile;
        _persistWrites = persistFile is not null && persistSeconds > 0;
        _duplicateCn = duplicateCn;
        if (persistFile is not null && !duplicateCn)
        {
            foreach (PoolPersistEntry entry in IfconfigPoolPersist.Read(persistFile))
            {
                int index = entry.Address is null ? -1 : pool.IndexOf(entry.Address);
                if (index >= 0 && _owner[index] is null)
                {
                    _owner[index] = entry.CommonName;
                }
            }
        }
    }

    public AddressPool Pool => _pool;

    /// <summary>Takes an entry for <paramref name="commonName"/>; -1 when the pool is exhausted.</summary>
    public int Acquire(string commonName)
    {
        int chosen = -1;
        if (!_duplicateCn)
        {
            chosen = Array.FindIndex(_owner, o => o == commonName);
            if (chosen >= 0 && _inUse[chosen])
            {
                chosen = -1;
            }
        }

        if (chosen < 0)
        {
            for (int i = 0; i < _inUse.Length && chosen < 0; i++)
            {
                if (!_inUse[i] && _owner[i] is null)
                {
                    chosen = i;
                }
            }
        }

        if (chosen < 0)
        {
            chosen = Array.IndexOf(_inUse, false);
        }

        if (chosen < 0)
        {
            return -1;
        }

        _inUse[chosen] = true;
        if (!_duplicateCn && _owner[chosen] != commonName)
        {
            int previous = Array.FindIndex(_owner, o => o == commonName);
            if (previous >= 0)
            {
                _owner[previous] = null;
            }

            _owner[chosen] = commonName;
            _dirty = true;
        }

        Save(force: false);
        return chosen;
    }

    public void Release(int index)
    {
        if ((uint)index < (uint)_inUse.Length)
        {
            _inUse[index] = false;
        }
    }

    /// <summary>Marks the entry covering a fixed (ccd) address as used so the pool does not hand it out too.</summary>
    public int Reserve(IPAddress address)
    {
        int index = _pool.IndexOf(address);
        if (index >= 0 && !_inUse[index])
        {
            _inUse[index] = true;
            return index;
        }

        return -1;
    }

    /// <summary>Writes ipp.txt if something changed (or always with <paramref name="force"/>). Throws IOException naming the file.</summary>
    public void Save(bool force)
    {
        if (!_persistWrites || (!_dirty && !force))
        {
            return;
        }

        var entries = new List<PoolPersistEntry>();
        for (int i = 0; i < _owner.Length; i++)
        {
            if (_owner[i] is { } cn)
            {
                entries.Add(new PoolPersistEntry(cn, _pool.GetAssignment(i).BaseAddress, _ipv6?.AddressFor(i)));
            }
        }

        IfconfigPoolPersist.Write(_persistFile!, entries);
        _dirty = false;
    }
}
