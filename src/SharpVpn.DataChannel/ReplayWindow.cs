using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// Receive-side replay protection for short-form (32-bit) packet ids, matching OpenVPN's
/// <c>--replay-window n t</c> (src/openvpn/packet_id.c packet_id_test / packet_id_add /
/// packet_id_reap; openvpn-protocol.md §9.5):
/// <list type="bullet">
/// <item>id 0 is rejected; an id above the highest seen is accepted and slides the window;</item>
/// <item>highest − id ≥ n is rejected ("large diff");</item>
/// <item>otherwise accepted only if that slot is unseen and not expired;</item>
/// <item>every 5 s the window is reaped: from the newest received slot that arrived more than t
/// seconds ago, it and all older slots become expired (t = 0 disables this).</item>
/// </list>
/// n = 0 is OpenVPN's strict mode (each id must be highest + 1). Single-threaded: owned by the
/// decrypting thread. The window is only updated for packets that authenticated.
/// </summary>
public sealed class ReplayWindow
{
    public const int DefaultWindowPackets = 64;
    public const int DefaultWindowSeconds = 15;
    public const int MaxWindowPackets = 65536;
    public const int MaxWindowSeconds = 600;

    private const long ReapIntervalMs = 5000;  // SEQ_REAP_INTERVAL
    private const long Unseen = 0;             // SEQ_UNSEEN
    private const long Expired = 1;            // SEQ_EXPIRED; arrival times are stored as ms + 2

    private readonly long[] _slots;  // circular; slot of "highest" is _head, older ids follow at _head+1, ...
    private readonly int _capacity;
    private readonly long _timeBacktrackMs;
    private int _head;
    private int _count;
    private uint _highest;
    private long _lastReapMs = long.MinValue / 2; // "never"; halved so now - last cannot overflow

    public ReplayWindow(int windowPackets = DefaultWindowPackets, int windowSeconds = DefaultWindowSeconds)
    {
        if ((uint)windowPackets > MaxWindowPackets)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(windowPackets), windowPackets, "replay-window size must be 0..65536 packets.");
        }

        if ((uint)windowSeconds > MaxWindowSeconds)
        {
            ThrowHelper.ArgumentOutOfRange(nameof(windowSeconds), windowSeconds, "replay-window time must be 0..600 seconds.");
        }

        _capacity = windowPackets;
        _slots = new long[Math.Max(windowPackets, 1)];
        _timeBacktrackMs = windowSeconds * 1000L;
        WindowSeconds = windowSeconds;
    }

    public int WindowPackets => _capacity;

    public int WindowSeconds { get; }

    /// <summary>Highest packet id accepted so far (0 before the first).</summary>
    public uint HighestPacketId => _highest;

    /// <summary>Forgets every id, as if new (the control channel's long form restarts the window when the time moves on).</summary>
    public void Reset()
    {
        _head = 0;
        _count = 0;
        _highest = 0;
        _lastReapMs = long.MinValue / 2;
    }

    /// <summary>True if <paramref name="packetId"/> would be accepted now (may reap expired slots).</summary>
    public bool Check(uint packetId, long nowMs)
    {
        if (_timeBacktrackMs != 0 && nowMs - _lastReapMs >= ReapIntervalMs)
        {
            Reap(nowMs);
        }

        return Test(packetId);
    }

    /// <summary>Marks <paramref name="packetId"/> as received (call only after it authenticated and passed <see cref="Check"/>).</summary>
    public void Update(uint packetId, long nowMs)
    {
        if (_capacity == 0)
        {
            _highest = packetId;
            return;
        }

        if (_count == 0 || (packetId >= (uint)_capacity && packetId - (uint)_capacity > _highest))
        {
            // Jump beyond the window: start afresh with every slot unseen.
            _highest = packetId > (uint)_capacity ? packetId - (uint)_capacity : 0;
            _count = 0;
        }

        while (_highest < packetId)
        {
            Push();
            _highest++;
        }

        uint diff = _highest - packetId;
        if (diff < (uint)_count)
        {
            _slots[Index((int)diff)] = Math.Max(nowMs, 0) + 2;
        }
    }

    /// <summary>Check, then update on success: the whole receive-side test for an authenticated packet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool CheckAndUpdate(uint packetId, long nowMs)
    {
        // Fast path: in-order packet, window populated, no reap due.
        if (packetId == _highest + 1 && packetId != 0 && _count == _capacity && _capacity != 0
            && (_timeBacktrackMs == 0 || nowMs - _lastReapMs < ReapIntervalMs))
        {
            int h = _head + 1;
            if (h == _capacity)
            {
                h = 0;
            }

            _head = h;
            _slots[h] = Math.Max(nowMs, 0) + 2;
            _highest = packetId;
            return true;
        }

        if (!Check(packetId, nowMs))
        {
            return false;
        }

        Update(packetId, nowMs);
        return true;
    }

    private bool Test(uint packetId)
    {
        if (packetId == 0)
        {
            return false;
        }

        if (_capacity == 0)
        {
            return _highest == 0 || packetId == _highest + 1;
        }

        if (packetId > _highest)
        {
            return true;
        }

        uint diff = _highest - packetId;
        if (diff >= (uint)_count)
        {
            return false;
        }

        return _slots[Index((int)diff)] == Unseen;
    }

    private void Reap(long nowMs)
    {
        bool expire = false;
        for (int i = 0; i < _count; i++)
        {
            ref long t = ref _slots[Index(i)];
            if (t == Expired)
            {
                break;
            }

            if (!expire && t != Unseen && (t - 2) + _timeBacktrackMs < nowMs)
            {
                expire = true;
            }

            if (expire)
            {
                t = Expired;
            }
        }

        _lastReapMs = nowMs;
    }

    // Newest slot first: the list grows "forward" so index 0 is always the highest id.
    private void Push()
    {
        int h = _head + 1;
        if (h == _capacity)
        {
            h = 0;
        }

        _head = h;
        _slots[h] = Unseen;
        if (_count < _capacity)
        {
            _count++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Index(int diff)
    {
        int i = _head - diff;
        return i < 0 ? i + _capacity : i;
    }
}
