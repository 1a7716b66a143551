using SharpVpn.Protocol;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Runtime.Server;

/// <summary>What the gate made of a control packet from a source that has no client state.</summary>
internal enum GateVerdict : byte
{
    /// <summary>Dropped (bad HMAC/tag, wrong opcode, bad cookie, rate limit...); nothing is sent, nothing kept.</summary>
    Dropped,

    /// <summary>A valid client hard reset: the stateless reply in <see cref="GateResult.ReplyLength"/> bytes should be sent.</summary>
    Reply,

    /// <summary>The client's third packet echoed a valid cookie: create the session and feed it this packet.</summary>
    CreateFromCookie,

    /// <summary>A valid hard reset that must be handled statefully (TCP, or a tls-crypt-v2 client without early negotiation).</summary>
    CreateStateful,
}

/// <summary>The gate's answer; <see cref="Wrap"/> is the session's own wrap for the Create verdicts.</summary>
internal readonly record struct GateResult(GateVerdict Verdict, DropReason Reason, int ReplyLength = 0,
    SessionId Cookie = default, SessionId ClientSessionId = default, IControlChannelWrap? Wrap = null);

/// <summary>
/// The server's check before any per-client state exists (security.md #2, #3; openvpn-protocol.md §6.1; OpenVPN
/// mudp.c do_pre_decrypt_check, ssl_pkt.c tls_pre_decrypt_lite):
/// <code>
///  1. only opcodes 7 (reset V2), 10 (reset V3), 4 (control), 11 (WKC), 5 (ack) with key_id 0; anything else dropped
///  2. tls-auth HMAC / tls-crypt tag / tls-crypt-v2 WKc + tag verified statelessly (no replay state touched)
///  3. client reset  -> reply P_CONTROL_HARD_RESET_SERVER_V2 with sid = HMAC cookie (one reply per verified
///                      request, never retransmitted, globally rate-limited); no state kept
///  4. third packet  -> acks message 0 and echoes the cookie for this address in the last 3 slots -> create
/// </code>
/// Used by one receive thread at a time (the scratch buffer); the cookie and limiter are thread-safe.
/// </summary>
internal sealed class HandshakeGate
{
    private readonly IControlChannelWrap? _statelessWrap;
    private readonly TlsCryptV2ServerKey? _v2Key;
    private readonly SessionIdCookie _cookie;
    private readonly ConnectRateLimiter _replyLimiter;
    private readonly byte[] _plain = new byte[ProtocolConstants.MaxControlPacketBytes + ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes];
    private readonly Lock _streamLock = new();
    private long _replies;
    private long _dropped;
    private long _rateLimited;

    public HandshakeGate(IControlChannelWrap? statelessWrap, TlsCryptV2ServerKey? v2Key, int handWindowSeconds,
        ConnectRateLimiter replyLimiter)
    {
        _statelessWrap = statelessWrap;
        _v2Key = v2Key;
        _cookie = SessionIdCookie.CreateRandom(Math.Max(1, handWindowSeconds));
        _replyLimiter = replyLimiter;
    }

    /// <summary>Stateless replies sent so far.</summary>
    public long Replies => Interlocked.Read(ref _replies);

    /// <summary>Valid resets left unanswered because the global reply rate limit was reached.</summary>
    public long RateLimited => Interlocked.Read(ref _rateLimited);

    /// <summary>Packets from unknown sources dropped so far.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// UDP: checks <paramref name="packet"/> from <paramref name="sockaddr"/> (raw bytes, the cookie's address input).
    /// On <see cref="GateVerdict.Reply"/> the reply is in <paramref name="reply"/>.
    /// </summary>
    public GateResult CheckDatagram(ReadOnlySpan<byte> packet, ReadOnlySpan<byte> sockaddr, long nowMs, uint netTime, Span<byte> reply)
    {
        if (!TryOpen(packet, out IControlChannelWrap? wrap, out int plainLength, out DropReason reason))
        {
            return Drop(reason);
        }

        if (!ControlPacket.TryParse(_plain.AsSpan(0, plainLength), out ControlPacket parsed, out reason))
        {
            return Drop(reason);
        }

        if (parsed.KeyId != 0 || parsed.SessionId.IsZero)
        {
            return Drop(DropReason.BadOpcode);
        }

        if (PacketHeader.IsClientHardReset(parsed.Opcode))
        {
            if (parsed.MessagePacketId != 0)
            {
                return Drop(DropReason.MalformedReset);
            }

            bool earlyNegotiation = wrap is TlsCryptV2ServerWrap v2 && v2.PeerAnnouncedEarlyNegotiation;
            if (wrap is TlsCryptV2ServerWrap && !earlyNegotiation)
            {
                // A 2.5 tls-crypt-v2 client cannot resend its WKc, so OpenVPN keeps state for it (its WKc authenticated).
                return new GateResult(GateVerdict.CreateStateful, DropReason.None, ClientSessionId: parsed.SessionId, Wrap: wrap);
            }

            if (!_replyLimiter.TryAcquire(nowMs))
            {
                if (!ReferenceEquals(wrap, _statelessWrap))
                {
                    (wrap as IDisposable)?.Dispose();
                }

                Interlocked.Increment(ref _rateLimited);
                return Drop(DropReason.None);
            }

            SessionId cookie = _cookie.Compute(sockaddr, parsed.SessionId, nowMs);
            int n = ServerHandshake.WriteStatelessResetReply(wrap!, cookie, parsed.SessionId, earlyNegotiation, netTime, reply);
            if (!ReferenceEquals(wrap, _statelessWrap))
            {
                (wrap as IDisposable)?.Dispose();
            }

            Interlocked.Increment(ref _replies);
            return new GateResult(GateVerdict.Reply, DropReason.None, n);
        }

        if (!_cookie.VerifyHandshakePacket(parsed, sockaddr, nowMs, out reason))
        {
            if (!ReferenceEquals(wrap, _statelessWrap))
            {
                (wrap as IDisposable)?.Dispose();
            }

            return Drop(reason);
        }

        return new GateResult(GateVerdict.CreateFromCookie, DropReason.None, Cookie: parsed.RemoteSessionId,
            ClientSessionId: parsed.SessionId, Wrap: ReferenceEquals(wrap, _statelessWrap) ? null : wrap);
    }

    /// <summary>
    /// TCP: the first packet of a connection must be a client hard reset that passes the wrap check. Called from
    /// every connection's thread, so serialised (the scratch buffer and the shared stateless wrap are single-threaded).
    /// </summary>
    public GateResult CheckStreamFirstPacket(ReadOnlySpan<byte> packet)
    {
        lock (_streamLock)
        {
            return CheckStreamFirstPacketCore(packet);
        }
    }

    private GateResult CheckStreamFirstPacketCore(ReadOnlySpan<byte> packet)
    {
        if (!TryOpen(packet, out IControlChannelWrap? wrap, out int plainLength, out DropReason reason))
        {
            return Drop(reason);
        }

        if (!ControlPacket.TryParse(_plain.AsSpan(0, plainLength), out ControlPacket parsed, out reason)
            || !PacketHeader.IsClientHardReset(parsed.Opcode) || parsed.KeyId != 0 || parsed.SessionId.IsZero)
        {
            if (!ReferenceEquals(wrap, _statelessWrap))
            {
                (wrap as IDisposable)?.Dispose();
            }

            return Drop(reason == DropReason.None ? DropReason.BadOpcode : reason);
        }

        return new GateResult(GateVerdict.CreateStateful, DropReason.None, ClientSessionId: parsed.SessionId,
            Wrap: ReferenceEquals(wrap, _statelessWrap) ? null : wrap);
    }

    private bool TryOpen(ReadOnlySpan<byte> packet, out IControlChannelWrap? wrap, out int plainLength, out DropReason reason)
    {
        wrap = null;
        plainLength = 0;
        if (packet.Length < ControlPacket.MinimumBytes)
        {
            reason = DropReason.TooShort;
            return false;
        }

        Opcode opcode = PacketHeader.GetOpcode(packet[0]);
        if (opcode is not (Opcode.ControlHardResetClientV2 or Opcode.ControlHardResetClientV3 or Opcode.ControlV1
            or Opcode.ControlWkcV1 or Opcode.AckV1))
        {
            reason = DropReason.BadOpcode;
            return false;
        }

        if (_v2Key is not null)
        {
            // tls-crypt-v2: only packets carrying the client's wrapped key can be opened by a server without state.
            if (!TlsCryptV2ServerWrap.TryCreate(_v2Key, packet, out TlsCryptV2ServerWrap? v2, out reason))
            {
                return false;
            }

            if (!v2.TryUnwrapStateless(packet, _plain, out plainLength, out reason))
            {
                v2.Dispose();
                return false;
            }

            wrap = v2;
            return true;
        }

        if (opcode == Opcode.ControlHardResetClientV3 || opcode == Opcode.ControlWkcV1)
        {
            reason = DropReason.BadOpcode; // tls-crypt-v2 opcodes on a server without tls-crypt-v2
            return false;
        }

        wrap = _statelessWrap;
        return _statelessWrap!.TryUnwrapStateless(packet, _plain, out plainLength, out reason);
    }

    private GateResult Drop(DropReason reason)
    {
        Interlocked.Increment(ref _dropped);
        return new GateResult(GateVerdict.Dropped, reason);
    }
}
