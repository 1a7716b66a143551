using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Session;

public sealed partial class TunnelSession
{
    /// <summary>
    /// Processes one received control datagram (any control opcode, wrapped as configured). Bad packets are
    /// dropped and counted (<see cref="TunnelOutcome.Dropped"/>, <see cref="LastDropReason"/>), never thrown.
    /// Returns <see cref="TunnelOutcome.WriteToNetwork"/> when control packets wait in <see cref="TryDequeueOutgoing"/>.
    /// </summary>
    /// <remarks>Order of checks (ssl.c tls_pre_decrypt): wrap (HMAC/tag + replay), layout, role, session ids, key_id,
    /// acks, reliability; then TLS, key method 2 and control messages advance.</remarks>
    public TunnelOutcome ProcessControl(ReadOnlySpan<byte> datagram, long nowMs)
    {
        _lastPollMs = Math.Max(_lastPollMs, nowMs);
        if (_closed)
        {
            return TunnelOutcome.Closed;
        }
        if (datagram.IsEmpty)
        {
            return Drop(DropReason.TooShort);
        }
        if (datagram.Length > ProtocolConstants.MaxControlPacketBytes + ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes)
        {
            return Drop(DropReason.TooLong);
        }
        if (PacketHeader.IsData(PacketHeader.GetOpcode(datagram[0])))
        {
            return Drop(DropReason.BadOpcode);
        }
        byte[] plain = SessionScratch.Plain;
        if (!_wrap.TryUnwrap(datagram, plain, nowMs, out int plainLength, out DropReason reason))
        {
            return Drop(reason);
        }
        if (!ControlPacket.TryParse(plain.AsSpan(0, plainLength), out ControlPacket packet, out reason))
        {
            return Drop(reason);
        }
        Opcode opcode = packet.Opcode;
        if (opcode is Opcode.ControlHardResetClientV1 or Opcode.ControlHardResetServerV1)
        {
            return Drop(DropReason.BadOpcode);
        }
        if ((IsServer && opcode == Opcode.ControlHardResetServerV2) || (!IsServer && PacketHeader.IsClientHardReset(opcode)))
        {
            return Drop(DropReason.WrongRole);
        }
        bool hardReset = PacketHeader.IsHardReset(opcode);
        if (RemoteSessionId.IsZero)
        {
            // We learn the peer's id from its hard reset only.
            if (!hardReset)
            {
                return Drop(DropReason.UnknownSession);
            }
        }
        else if (packet.SessionId != RemoteSessionId)
        {
            return Drop(DropReason.UnknownSession);
        }
        if (packet.AckCount > 0 && packet.RemoteSessionId != LocalSessionId)
        {
            return Drop(DropReason.SessionIdMismatch);
        }
        if (hardReset && (packet.KeyId != 0 || packet.MessagePacketId != 0))
        {
            return Drop(DropReason.MalformedReset);
        }

        KeyState? ks = FindKeyState(packet.KeyId);
        if (ks is null)
        {
            if (opcode == Opcode.ControlSoftResetV1 && _primary.Stage == KeyStage.Active && packet.KeyId == NextKeyId(_primary.KeyId))
            {
                // The peer starts a renegotiation (ssl.c: only when our current key has data keys).
                StartRenegotiation(nowMs);
                ks = _primary;
            }
            else
            {
                return Drop(DropReason.UnknownKeyId);
            }
        }

        _lastReceivedMs = Math.Max(_lastReceivedMs, nowMs);
        if (RemoteSessionId.IsZero)
        {
            RemoteSessionId = packet.SessionId;
        }
        ks.Send.Acknowledge(packet);
        bool outOfWindow = false;
        if (packet.HasMessagePacketId)
        {
            ReliableReceiveResult result = ks.Receive.Receive(opcode, packet.MessagePacketId, packet.Payload);
            outOfWindow = result == ReliableReceiveResult.OutOfWindow;
        }
        Advance(ks, nowMs);
        Flush(nowMs);
        if (_connected && !_closed)
        {
            PublishKeys(nowMs);
        }
        if (outOfWindow)
        {
            return Drop(DropReason.OutOfWindow);
        }
        return _closed ? TunnelOutcome.Closed : _outgoing.Count > 0 ? TunnelOutcome.WriteToNetwork : TunnelOutcome.None;
    }

    private KeyState? FindKeyState(int keyId)
    {
        if (_primary.KeyId == keyId)
        {
            return _primary;
        }
        return _lameDuck is { } old && old.KeyId == keyId ? old : null;
    }

    /// <summary>key_id after <paramref name="keyId"/>: 1..7, wrapping 7 → 1, never 0 (ssl.c key_state_init).</summary>
    internal static byte NextKeyId(int keyId) => (byte)(keyId >= 7 ? 1 : keyId + 1);
}
