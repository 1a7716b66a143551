using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Reliability;

/// <summary>
/// Send side of the control-channel reliability layer (openvpn-protocol.md §3.5; reliable.c): assigns message
/// packet-ids, keeps unacknowledged messages, and says what to (re)transmit when, driven by <c>nowMs</c>.
/// <list type="bullet">
/// <item>A new message may only take an id &lt; lowest unacked id + window (6, TLS_RELIABLE_N_SEND_BUFFERS;
/// reliable_get_buf_output_sequenced).</item>
/// <item>First transmission is due immediately; after each transmission the timeout doubles (2, 4, 8 s ...;
/// reliable_send).</item>
/// <item>Fast retransmit: once acks for 3 later-numbered messages arrived, a message is due at once
/// (N_ACK_RETRANSMIT; reliable_send_purge).</item>
/// <item>Among due messages the lowest id goes first. Acks for unknown ids are ignored.</item>
/// </list>
/// Sans-IO and not thread-safe.
/// </summary>
public sealed class ReliableSendWindow
{
    private const long MaxTimeoutMs = 3_600_000; // keeps doubling from overflowing; OpenVPN has no cap but hand-window ends first

    private readonly Entry?[] _entries;
    private readonly long _initialTimeoutMs;

    /// <summary>
    /// <paramref name="initialTimeoutMs"/>: --tls-timeout in ms (default 2000). <paramref name="firstPacketId"/>: the id
    /// of the first message (0 normally; 1 for a server session created after a stateless reset reply).
    /// </summary>
    public ReliableSendWindow(long initialTimeoutMs = 2000, int windowSize = ProtocolConstants.ReliableSendWindowPackets, uint firstPacketId = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(initialTimeoutMs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _initialTimeoutMs = initialTimeoutMs;
        _entries = new Entry?[windowSize];
        NextPacketId = firstPacketId;
    }

    /// <summary>The id the next <see cref="Enqueue"/> assigns.</summary>
    public uint NextPacketId { get; private set; }

    /// <summary>Number of messages sent or queued but not yet acknowledged.</summary>
    public int Count { get; private set; }

    /// <summary>True when nothing is waiting for an ack.</summary>
    public bool IsEmpty => Count == 0;

    /// <summary>The window size in messages.</summary>
    public int WindowSize => _entries.Length;

    /// <summary>True when a new message fits: a free slot and NextPacketId &lt; lowest unacked id + window.</summary>
    public bool CanEnqueue
    {
        get
        {
            if (Count >= _entries.Length)
            {
                return false;
            }
            if (Count == 0)
            {
                return true;
            }
            uint lowest = LowestUnacked();
            return unchecked(NextPacketId - lowest) < (uint)_entries.Length;
        }
    }

    /// <summary>
    /// Queues a new reliable message (payload copied) and returns its id; it is due for sending at once.
    /// Throws <see cref="InvalidOperationException"/> when <see cref="CanEnqueue"/> is false (a caller bug).
    /// </summary>
    public uint Enqueue(Opcode opcode, ReadOnlySpan<byte> payload)
    {
        if (!CanEnqueue)
        {
            throw new InvalidOperationException("The reliable send window is full; check CanEnqueue first.");
        }
        int slot = Array.IndexOf(_entries, null);
        uint id = NextPacketId;
        _entries[slot] = new Entry(opcode, id, payload.ToArray(), _initialTimeoutMs);
        NextPacketId = unchecked(id + 1);
        Count++;
        return id;
    }

    /// <summary>Removes an acknowledged message; true if it was outstanding. Counts the ack towards fast retransmit of earlier ones.</summary>
    public bool Acknowledge(uint packetId)
    {
        bool found = false;
        for (int i = 0; i < _entries.Length; i++)
        {
            Entry? e = _entries[i];
            if (e is null)
            {
                continue;
            }
            if (e.PacketId == packetId)
            {
                _entries[i] = null;
                Count--;
                found = true;
            }
            else if (IsBefore(e.PacketId, packetId))
            {
                e.LaterAcks++;
            }
        }
        return found;
    }

    /// <summary>Processes every ack in a received packet (after its remote session id was checked). Returns how many removed something.</summary>
    public int Acknowledge(scoped in ControlPacket packet)
    {
        int removed = 0;
        for (int i = 0; i < packet.AckCount; i++)
        {
            if (Acknowledge(packet.GetAck(i)))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>True when some message is due at <paramref name="nowMs"/> (timer expired, never sent, or fast retransmit).</summary>
    public bool HasDue(long nowMs)
    {
        foreach (Entry? e in _entries)
        {
            if (e is not null && IsDue(e, nowMs))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Hands out the due message with the lowest id and schedules its next retransmission (now + timeout, then the
    /// timeout doubles). Call repeatedly until false. Serialize the message with fresh acks each time.
    /// </summary>
    public bool TryGetNextToSend(long nowMs, out ReliableMessage message)
    {
        Entry? best = null;
        foreach (Entry? e in _entries)
        {
            if (e is not null && IsDue(e, nowMs) && (best is null || IsBefore(e.PacketId, best.PacketId)))
            {
                best = e;
            }
        }
        if (best is null)
        {
            message = default;
            return false;
        }
        best.NextTryMs = nowMs + best.TimeoutMs;
        best.TimeoutMs = Math.Min(best.TimeoutMs * 2, MaxTimeoutMs);
        best.LaterAcks = 0;
        best.TransmitCount++;
        message = new ReliableMessage(best.Opcode, best.PacketId, best.Payload, best.TransmitCount);
        return true;
    }

    /// <summary>
    /// The earliest time a message becomes due; <see cref="long.MinValue"/> if one is due already (unsent or fast
    /// retransmit), <see cref="long.MaxValue"/> when nothing is outstanding.
    /// </summary>
    public long NextDeadlineMs
    {
        get
        {
            long min = long.MaxValue;
            foreach (Entry? e in _entries)
            {
                if (e is null)
                {
                    continue;
                }
                long t = e.LaterAcks >= ProtocolConstants.FastRetransmitAckCount ? long.MinValue : e.NextTryMs;
                min = Math.Min(min, t);
            }
            return min;
        }
    }

    /// <summary>Makes every outstanding message due now with the initial timeout (reliable_schedule_now; used when a peer's new reset arrives).</summary>
    public void ScheduleAllNow(long nowMs)
    {
        foreach (Entry? e in _entries)
        {
            if (e is not null)
            {
                e.NextTryMs = nowMs;
                e.TimeoutMs = _initialTimeoutMs;
            }
        }
    }

    private static bool IsDue(Entry e, long nowMs) =>
        nowMs >= e.NextTryMs || e.LaterAcks >= ProtocolConstants.FastRetransmitAckCount;

    // Serial-number order on 32-bit ids (reliable.h reliable_pid_min).
    private static bool IsBefore(uint a, uint b) => (int)unchecked(a - b) < 0;

    private uint LowestUnacked()
    {
        uint lowest = 0;
        bool any = false;
        foreach (Entry? e in _entries)
        {
            if (e is not null && (!any || IsBefore(e.PacketId, lowest)))
            {
                lowest = e.PacketId;
                any = true;
            }
        }
        return lowest;
    }

    private sealed class Entry(Opcode opcode, uint packetId, byte[] payload, long timeoutMs)
    {
        public Opcode Opcode { get; } = opcode;
        public uint PacketId { get; } = packetId;
        public byte[] Payload { get; } = payload;
        public long TimeoutMs { get; set; } = timeoutMs;
        public long NextTryMs { get; set; } = long.MinValue;
        public int LaterAcks { get; set; }
        public int TransmitCount { get; set; }
    }
}
