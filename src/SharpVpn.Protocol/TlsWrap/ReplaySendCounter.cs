namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Send side of the long-form replay packet-id: starts at 1, +1 for every transmitted packet (retransmissions
/// included), time latched once (packet_id.c packet_id_send_update). On 32-bit wrap it restarts at 1 with the
/// current time, as the long form allows.
/// </summary>
internal sealed class ReplaySendCounter
{
    private uint _last;
    private uint _time;
    private bool _timeSet;

    public void Set(uint lastPacketId, uint netTime)
    {
        _last = lastPacketId;
        _time = netTime;
        _timeSet = true;
    }

    /// <summary>Sets only the last id; the time is latched at the next <see cref="Next"/>.</summary>
    public void SetLastId(uint lastPacketId) => _last = lastPacketId;

    public (uint Id, uint Time) Next(uint netTime)
    {
        if (!_timeSet || _last == uint.MaxValue)
        {
            if (_last == uint.MaxValue)
            {
                _last = 0;
            }
            _time = netTime;
            _timeSet = true;
        }
        _last++;
        return (_last, _time);
    }
}
