using SharpVpn.DataChannel;
using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Session;

public sealed partial class TunnelSession
{
    private long _lastPollMs;

    /// <summary>
    /// Runs every timer due at <paramref name="nowMs"/>: retransmissions, PUSH_REQUEST repeats, hand-window,
    /// renegotiation triggers (reneg-sec/bytes/pkts, packet-id exhaustion), lame-duck expiry, key switch-over,
    /// keepalive (PingDue event, ping-restart). Returns <see cref="TunnelOutcome.WriteToNetwork"/> when packets wait.
    /// </summary>
    public TunnelOutcome PollTimers(long nowMs)
    {
        _lastPollMs = Math.Max(_lastPollMs, nowMs);
        if (!_closed)
        {
            RunTimers(nowMs);
        }
        if (!_closed)
        {
            Flush(nowMs);
        }
        return _outgoing.Count > 0 ? TunnelOutcome.WriteToNetwork : _closed ? TunnelOutcome.Closed : TunnelOutcome.None;
    }

    /// <summary>
    /// Starts a renegotiation now (e.g. the runtime wants fresh keys). Ignored while one is running or before the first
    /// keys exist.
    /// </summary>
    public void Renegotiate(long nowMs)
    {
        if (!_closed && _primary.Stage == KeyStage.Active)
        {
            StartRenegotiation(nowMs);
            Flush(nowMs);
        }
    }

    /// <summary>When <see cref="PollTimers"/> should run next (absolute, same clock as nowMs); long.MinValue = now.</summary>
    public long NextDeadlineMs
    {
        get
        {
            if (_closed)
            {
                return long.MaxValue;
            }
            long t = Math.Min(_closeAtMs, _primary.Send.NextDeadlineMs);
            if (_primary.Receive.HasPendingAcks && !RemoteSessionId.IsZero)
            {
                return long.MinValue;
            }
            if (_lameDuck is { } duck)
            {
                t = Math.Min(t, Math.Min(duck.Send.NextDeadlineMs, duck.ExpiresMs));
            }
            if (_primary.Stage != KeyStage.Active)
            {
                t = Math.Min(t, _primary.StartedMs + _options.HandWindowMs);
            }
            else if (_options.RenegotiateMs > 0)
            {
                t = Math.Min(t, _primary.ActiveSinceMs + _options.RenegotiateMs);
            }
            if (_primary.Stage == KeyStage.AwaitingPush)
            {
                t = Math.Min(t, _nextPushRequestMs);
            }
            if (_connected)
            {
                if (_pingIntervalMs > 0)
                {
                    t = Math.Min(t, _lastDataSentMs + _pingIntervalMs);
                }
                if (_pingRestartMs > 0)
                {
                    t = Math.Min(t, _lastReceivedMs + _pingRestartMs);
                }
                // Volume triggers and packet-id exhaustion are checked on a 1 s tick, like OpenVPN's coarse timer.
                t = Math.Min(t, _lastPollMs + 1000);
            }
            return t;
        }
    }

    private void RunTimers(long nowMs)
    {
        if (nowMs >= _closeAtMs)
        {
            Close(_closeError, _closeReason ?? "Session closed.");
            return;
        }
        if (_primary.Stage != KeyStage.Active && nowMs >= _primary.StartedMs + _options.HandWindowMs)
        {
            Close(OpenVpnError.HandshakeTimeout,
                $"TLS key negotiation failed to occur within {_options.HandWindowMs / 1000} seconds (check your network connectivity).");
            return;
        }
        if (_primary.Stage == KeyStage.AwaitingPush && nowMs >= _nextPushRequestMs)
        {
            SendPushRequest(_primary, nowMs);
        }
        if (_lameDuck is { } duck && nowMs >= duck.ExpiresMs)
        {
            Retire(duck);
        }
        if (_connected)
        {
            if (_pingRestartMs > 0 && nowMs - _lastReceivedMs >= _pingRestartMs)
            {
                Close(OpenVpnError.PingRestart, $"Inactivity timeout (ping-restart {_pingRestartMs / 1000} s), restarting.");
                return;
            }
            if (_pingIntervalMs > 0 && nowMs - _lastDataSentMs >= _pingIntervalMs)
            {
                _lastDataSentMs = nowMs; // the runtime sends the ping now
                Raise(SessionEventKind.PingDue);
            }
        }
        if (_primary.Stage == KeyStage.Active && _primary.DataKey is { } key && ShouldRenegotiate(key, nowMs))
        {
            StartRenegotiation(nowMs);
        }
        if (_connected)
        {
            PublishKeys(nowMs);
        }
    }

    private bool ShouldRenegotiate(DataChannelKey key, long nowMs) =>
        (_options.RenegotiateMs > 0 && nowMs >= _primary.ActiveSinceMs + _options.RenegotiateMs)
        || (_options.RenegotiateBytes > 0 && key.BytesIn + key.BytesOut >= _options.RenegotiateBytes)
        || (_options.RenegotiatePackets > 0 && key.PacketsIn + key.PacketsOut >= _options.RenegotiatePackets)
        || key.ShouldRenegotiate;

    /// <summary>
    /// Turns pending work into datagrams: TLS ciphertext into new reliable P_CONTROL_V1 messages (as the send window
    /// allows), due (re)transmissions with piggybacked acks (up to 4), and a P_ACK_V1 (up to 8) for acks left over.
    /// </summary>
    private void Flush(long nowMs)
    {
        FlushKeyState(_primary, nowMs);
        if (_lameDuck is { } duck)
        {
            FlushKeyState(duck, nowMs);
        }
    }

    private void FlushKeyState(KeyState ks, long nowMs)
    {
        // TLS data goes out only after the peer's reset (a client may have started TLS before, PrestartTls).
        if (ks.Tls is { } tls && ks.PeerResetReceived)
        {
            Span<byte> chunk = stackalloc byte[2048];
            while (tls.PendingCiphertextBytes > 0 && ks.Send.CanEnqueue)
            {
                bool wkc = ks.WkcPending;
                int n = tls.TakeCiphertext(chunk[..Math.Min(chunk.Length, MaxPayloadBytes(wkc))]);
                ks.Send.Enqueue(wkc ? Opcode.ControlWkcV1 : Opcode.ControlV1, chunk[..n]);
                ks.WkcPending = false;
            }
        }
        Span<uint> acks = stackalloc uint[ProtocolConstants.MaxAcksPerPacket];
        while (ks.Send.TryGetNextToSend(nowMs, out ReliableMessage message))
        {
            int ackCount = RemoteSessionId.IsZero ? 0 : ks.Receive.TakeAcks(acks[..MaxAckOnControl]);
            int plain = ControlPacket.Write(SessionScratch.Build, message.Opcode, ks.KeyId, LocalSessionId, acks[..ackCount],
                RemoteSessionId, message.PacketId, message.Payload.Span);
            Emit(plain);
        }
        if (ks.Receive.HasPendingAcks && !RemoteSessionId.IsZero)
        {
            int ackCount = ks.Receive.TakeAcks(acks);
            int plain = ControlPacket.Write(SessionScratch.Build, Opcode.AckV1, ks.KeyId, LocalSessionId, acks[..ackCount],
                RemoteSessionId, 0, default);
            Emit(plain);
        }
    }

    private void Emit(int plainLength)
    {
        byte[] wrapped = SessionScratch.Wrapped;
        int n = _wrap.Wrap(SessionScratch.Build.AsSpan(0, plainLength), wrapped, _options.NetTimeSeconds);
        _outgoing.Enqueue(wrapped.AsSpan(0, n).ToArray());
    }

    /// <summary>
    /// TLS bytes per P_CONTROL_V1 so the datagram stays within tls_mtu (ssl.c calc_control_channel_frame_overhead):
    /// budget − IPv4/UDP (28) − opcode/sid/4 acks/remote sid/message id (38) − wrap overhead (− WKc).
    /// </summary>
    private int MaxPayloadBytes(bool withWrappedKey)
    {
        int fixedBytes = 1 + 8 + 1 + (4 * MaxAckOnControl) + 8 + 4;
        int wkc = withWrappedKey && _wrap is TlsCryptV2ClientWrap v2 ? v2.WrappedKeyLength : 0;
        return Math.Max(64, _options.MaxControlPacketBytes - IpUdpHeaderBytes - fixedBytes - _wrap.Overhead - wkc);
    }
}
