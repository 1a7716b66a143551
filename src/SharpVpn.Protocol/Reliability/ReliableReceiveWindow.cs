using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Reliability;

/// <summary>
/// Receive side of the control-channel reliability layer (openvpn-protocol.md §3.5; ssl.c tls_pre_decrypt,
/// reliable.c): with next expected id <c>e</c> and window 12 (TLS_RELIABLE_N_REC_BUFFERS),
/// <list type="bullet">
/// <item><c>e &lt;= x &lt; e + 12</c>, new: stored and acked;</item>
/// <item><c>x &lt; e</c> or already buffered: duplicate, not stored again but acked again;</item>
/// <item><c>x &gt;= e + 12</c>: dropped without ack.</item>
/// </list>
/// Messages come out strictly in id order via <see cref="TryDequeue"/>. Pending acks (at most 8, RELIABLE_ACK_SIZE)
/// are taken by <see cref="TakeAcks"/>, which, like OpenVPN 2.6 (reliable_ack_write, copy_acks_to_mru), also
/// repeats recently sent acks to fill the space. Sans-IO and not thread-safe.
/// </summary>
public sealed class ReliableReceiveWindow
{
    private readonly ReliableMessage?[] _buffer;
    private readonly uint[] _pending = new uint[ProtocolConstants.MaxAcksPerPacket];
    private readonly uint[] _recent = new uint[ProtocolConstants.MaxAcksPerPacket];
    private int _pendingCount;
    private int _recentCount;

    /// <summary>
    /// <paramref name="firstExpectedId"/>: 0 normally; 1 for a server session created by the stateless cookie check
    /// (the client's reset was already answered).
    /// </summary>
    public ReliableReceiveWindow(uint firstExpectedId = 0, int windowSize = ProtocolConstants.ReliableReceiveWindowPackets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windowSize, 1);
        _buffer = new ReliableMessage?[windowSize];
        NextExpectedId = firstExpectedId;
    }

    /// <summary>The next id to be delivered in order.</summary>
    public uint NextExpectedId { get; private set; }

    /// <summary>Number of acks waiting to be sent.</summary>
    public int PendingAckCount => _pendingCount;

    /// <summary>True when acks are waiting: send them piggybacked or as a P_ACK_V1 soon.</summary>
    public bool HasPendingAcks => _pendingCount > 0;

    /// <summary>True when <see cref="TryDequeue"/> would return a message.</summary>
    public bool HasDeliverable => _buffer[Index(NextExpectedId)] is { } m && m.PacketId == NextExpectedId;

    /// <summary>
    /// Takes a received reliable message (the payload is copied when stored). Accepted and duplicate messages are
    /// queued for acknowledgement; out-of-window ones are not.
    /// </summary>
    public ReliableReceiveResult Receive(Opcode opcode, uint packetId, ReadOnlySpan<byte> payload)
    {
        uint ahead = unchecked(packetId - NextExpectedId);
        if (ahead >= (uint)_buffer.Length)
        {
            if (ahead >= 0x80000000u)
            {
                // Before the window: already delivered.
                QueueAck(packetId);
                return ReliableReceiveResult.Duplicate;
            }
            return ReliableReceiveResult.OutOfWindow;
        }
        int index = Index(packetId);
        if (_buffer[index] is { } existing && existing.PacketId == packetId)
        {
            QueueAck(packetId);
            return ReliableReceiveResult.Duplicate;
        }
        _buffer[index] = new ReliableMessage(opcode, packetId, payload.ToArray(), 1);
        QueueAck(packetId);
        return ReliableReceiveResult.Accepted;
    }

    /// <summary>Returns the next in-order message, if it has arrived.</summary>
    public bool TryDequeue(out ReliableMessage message)
    {
        int index = Index(NextExpectedId);
        if (_buffer[index] is { } m && m.PacketId == NextExpectedId)
        {
            _buffer[index] = null;
            NextExpectedId = unchecked(NextExpectedId + 1);
            message = m;
            return true;
        }
        message = default;
        return false;
    }

    /// <summary>
    /// Writes acks for an outgoing packet into <paramref name="destination"/> (its length is the maximum: 4 on
    /// P_CONTROL_*, 8 on P_ACK_V1) and returns the count. Pending acks go first and become "recently sent"; the rest
    /// of the space is filled with recently sent acks (2.6 behaviour, so a lost ack is compensated).
    /// Returns 0 only when nothing was ever acked.
    /// </summary>
    public int TakeAcks(Span<uint> destination)
    {
        int max = Math.Min(destination.Length, ProtocolConstants.MaxAcksPerPacket);
        int n = Math.Min(max, _pendingCount);
        // Move the taken pending ids to the front of the MRU list, keeping their order (copy_acks_to_mru).
        for (int i = n - 1; i >= 0; i--)
        {
            PushRecent(_pending[i]);
        }
        Array.Copy(_pending, n, _pending, 0, _pendingCount - n);
        _pendingCount -= n;
        int total = Math.Min(max, _recentCount);
        _recent.AsSpan(0, total).CopyTo(destination);
        return total;
    }

    private void PushRecent(uint id)
    {
        int found = Array.IndexOf(_recent, id, 0, _recentCount);
        if (found < 0)
        {
            if (_recentCount < _recent.Length)
            {
                _recentCount++;
            }
            found = _recentCount - 1;
        }
        Array.Copy(_recent, 0, _recent, 1, found);
        _recent[0] = id;
    }

    private void QueueAck(uint id)
    {
        // reliable_ack_acknowledge_packet_id: no duplicates, at most 8; a full list drops the ack (the peer resends).
        if (Array.IndexOf(_pending, id, 0, _pendingCount) < 0 && _pendingCount < _pending.Length)
        {
            _pending[_pendingCount++] = id;
        }
    }

    private int Index(uint id) => (int)(id % (uint)_buffer.Length);
}
