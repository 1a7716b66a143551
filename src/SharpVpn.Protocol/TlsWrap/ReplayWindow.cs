namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Receive-side replay check for the long-form (packet-id, time) pair of tls-auth / tls-crypt
/// (openvpn-protocol.md §4.3; packet_id.c packet_id_test / packet_id_add / packet_id_reap): a newer time restarts the
/// window, an older time is rejected; within one time the id must be new, less than 64 behind the highest, and not
/// expired: an id left unseen for the default 15 s of --replay-window (reaped every 5 s) can no longer be accepted,
/// as in OpenVPN. The id part is the data channel's window (same rules, same reaping).
/// </summary>
internal sealed class ReplayWindow
{
    /// <summary>Pass as the receive time when there is no clock (tests, tools): nothing expires.</summary>
    public const long NoClock = long.MinValue;

    private readonly DataChannel.ReplayWindow _ids = new(ProtocolConstants.DefaultReplayWindowPackets, DataChannel.ReplayWindow.DefaultWindowSeconds);
    private bool _any;
    private uint _time;

    public bool Check(uint id, uint time, long nowMs = NoClock)
    {
        if (id == 0)
        {
            return false;
        }
        if (!_any || time > _time)
        {
            return true;
        }
        if (time < _time)
        {
            return false;
        }
        return _ids.Check(id, nowMs);
    }

    /// <summary>Records a packet that passed <see cref="Check"/> (authenticated), received at <paramref name="nowMs"/>.</summary>
    public void Add(uint id, uint time, long nowMs = NoClock)
    {
        if (!_any || time > _time)
        {
            _any = true;
            _time = time;
            _ids.Reset();
        }
        _ids.Update(id, nowMs);
    }
}
