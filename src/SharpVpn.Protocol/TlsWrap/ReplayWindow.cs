namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Receive-side replay check for the long-form (packet-id, time) pair of tls-auth / tls-crypt
/// (openvpn-protocol.md §4.3; packet_id.c packet_id_test / packet_id_add): a newer time resets the window,
/// an older time is rejected, within one time the id must be new and less than 64 behind the highest.
/// OpenVPN also expires window entries after --replay-window's 15 s using its clock; we do not (no clock here).
/// </summary>
internal sealed class ReplayWindow
{
    private const int WindowPackets = ProtocolConstants.DefaultReplayWindowPackets;

    private bool _any;
    private uint _time;
    private uint _highest;
    private ulong _seen; // bit i set: id (_highest - i) seen

    public bool Check(uint id, uint time)
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
        if (id > _highest)
        {
            return true;
        }
        uint behind = _highest - id;
        return behind < WindowPackets && (_seen & (1UL << (int)behind)) == 0;
    }

    /// <summary>Records a packet that passed <see cref="Check"/>.</summary>
    public void Add(uint id, uint time)
    {
        if (!_any || time > _time)
        {
            _any = true;
            _time = time;
            _highest = id;
            _seen = 1;
        }
        else if (id > _highest)
        {
            uint shift = id - _highest;
            _seen = shift >= WindowPackets ? 1 : (_seen << (int)shift) | 1;
            _highest = id;
        }
        else
        {
            _seen |= 1UL << (int)(_highest - id);
        }
    }
}
