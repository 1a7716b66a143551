using System.Security.Cryptography;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>
/// security.md #2, #3, #5: the server's stateless gate answers a valid reset once, creates state only for a third
/// packet that echoes the cookie for the same address, and rejects everything else without a reply.
/// </summary>
public sealed class HandshakeGateTests
{
    private const uint NetTime = 1_700_000_000;
    private static readonly byte[] s_address = [2, 0, 0x30, 0x39, 172, 16, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
    private static readonly byte[] s_otherAddress = [2, 0, 0x30, 0x3a, 172, 16, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly StaticKey _key = StaticKey.Generate();
    private readonly SessionId _clientSid = SessionId.NewRandom();

    [Fact]
    public void ValidReset_GetsOneStatelessReplyThatAcksIt()
    {
        HandshakeGate gate = CreateGate();
        var reply = new byte[512];
        GateResult result = gate.CheckDatagram(ClientReset(ClientWrap()), s_address, 1_000_000, NetTime, reply);

        Assert.Equal(GateVerdict.Reply, result.Verdict);
        // The client side opens it: P_CONTROL_HARD_RESET_SERVER_V2 acking message 0 of our session id.
        var clientWrap = ClientWrap();
        var plain = new byte[512];
        Assert.True(clientWrap.TryUnwrap(reply.AsSpan(0, result.ReplyLength), plain, out int n, out _));
        Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out ControlPacket packet, out _));
        Assert.Equal(Opcode.ControlHardResetServerV2, packet.Opcode);
        Assert.Equal(_clientSid, packet.RemoteSessionId);
        Assert.Equal(1, packet.AckCount);
        Assert.Equal(0u, packet.GetAck(0));
        Assert.True(packet.Payload.IsEmpty);
        Assert.Equal(1, gate.Replies);
    }

    [Fact]
    public void ResetWithWrongHmac_IsDroppedWithoutReply()
    {
        HandshakeGate gate = CreateGate();
        var otherKey = new TlsAuth(StaticKey.Generate(), KeyDirection.Inverse, HashAlgorithmName.SHA1);
        GateResult result = gate.CheckDatagram(ClientReset(otherKey), s_address, 1_000_000, NetTime, new byte[512]);

        Assert.Equal(GateVerdict.Dropped, result.Verdict);
        Assert.Equal(DropReason.AuthenticationFailed, result.Reason);
        Assert.Equal(0, gate.Replies);
    }

    [Fact]
    public void RandomBytesAndDataOpcodes_AreDropped()
    {
        HandshakeGate gate = CreateGate();
        var random = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            var datagram = new byte[random.Next(1, 1500)];
            random.NextBytes(datagram);
            Assert.Equal(GateVerdict.Dropped, gate.CheckDatagram(datagram, s_address, 1_000_000, NetTime, new byte[512]).Verdict);
        }

        Assert.Equal(0, gate.Replies);
        Assert.Equal(2000, gate.Dropped);
    }

    [Fact]
    public void ThirdPacketEchoingTheCookie_CreatesTheClient()
    {
        HandshakeGate gate = CreateGate();
        SessionId cookie = ReplyCookie(gate, 1_000_000);
        GateResult result = gate.CheckDatagram(Ack(ClientWrap(), cookie), s_address, 1_000_500, NetTime, new byte[512]);

        Assert.Equal(GateVerdict.CreateFromCookie, result.Verdict);
        Assert.Equal(cookie, result.Cookie);
        Assert.Equal(_clientSid, result.ClientSessionId);
    }

    [Fact]
    public void ThirdPacketFromAnotherAddress_IsRejected()
    {
        HandshakeGate gate = CreateGate();
        SessionId cookie = ReplyCookie(gate, 1_000_000);
        GateResult result = gate.CheckDatagram(Ack(ClientWrap(), cookie), s_otherAddress, 1_000_500, NetTime, new byte[512]);

        Assert.Equal(GateVerdict.Dropped, result.Verdict);
        Assert.Equal(DropReason.BadCookie, result.Reason);
    }

    [Fact]
    public void ThirdPacketWithAForgedOrExpiredCookie_IsRejected()
    {
        HandshakeGate gate = CreateGate();
        SessionId cookie = ReplyCookie(gate, 1_000_000);
        Assert.Equal(DropReason.BadCookie, gate.CheckDatagram(Ack(ClientWrap(), new SessionId(cookie.Value ^ 1)), s_address, 1_000_500, NetTime, new byte[512]).Reason);
        // Slots are 30 s with hand-window 60; three slots are accepted, so two minutes later it has expired.
        Assert.Equal(DropReason.BadCookie, gate.CheckDatagram(Ack(ClientWrap(), cookie), s_address, 1_000_000 + 120_000, NetTime, new byte[512]).Reason);
    }

    [Fact]
    public void ThirdPacketWithoutAck_IsRejected()
    {
        HandshakeGate gate = CreateGate();
        SessionId cookie = ReplyCookie(gate, 1_000_000);
        var plain = new byte[64];
        int n = ControlPacket.Write(plain, Opcode.ControlV1, 0, _clientSid, [], SessionId.Zero, 1, [1, 2, 3]);
        var wire = new byte[256];
        int w = ClientWrap().Wrap(plain.AsSpan(0, n), wire, NetTime);
        Assert.Equal(GateVerdict.Dropped, gate.CheckDatagram(wire.AsSpan(0, w), s_address, 1_000_500, NetTime, new byte[512]).Verdict);
        _ = cookie;
    }

    [Fact]
    public void Replies_AreGloballyRateLimited()
    {
        HandshakeGate gate = CreateGate();
        int replies = 0;
        for (int i = 0; i < 300; i++)
        {
            if (gate.CheckDatagram(ClientReset(ClientWrap()), s_address, 1_000_000, NetTime, new byte[512]).Verdict == GateVerdict.Reply)
            {
                replies++;
            }
        }

        Assert.Equal(100, replies);
        Assert.Equal(200, gate.RateLimited);
    }

    [Fact]
    public void TcpFirstPacket_MustBeAnAuthenticResetAndGetsNoReply()
    {
        HandshakeGate gate = CreateGate();
        Assert.Equal(GateVerdict.CreateStateful, gate.CheckStreamFirstPacket(ClientReset(ClientWrap())).Verdict);
        Assert.Equal(GateVerdict.Dropped, gate.CheckStreamFirstPacket(Ack(ClientWrap(), SessionId.NewRandom())).Verdict);
        var wrong = new TlsAuth(StaticKey.Generate(), KeyDirection.Inverse, HashAlgorithmName.SHA1);
        Assert.Equal(GateVerdict.Dropped, gate.CheckStreamFirstPacket(ClientReset(wrong)).Verdict);
    }

    private HandshakeGate CreateGate() => new(ServerWrap(), null, 60, new ConnectRateLimiter(100, 10));

    private TlsAuth ServerWrap() => new(_key, KeyDirection.Normal, HashAlgorithmName.SHA1);

    private TlsAuth ClientWrap() => new(_key, KeyDirection.Inverse, HashAlgorithmName.SHA1);

    private byte[] ClientReset(IControlChannelWrap wrap)
    {
        var plain = new byte[64];
        int n = ControlPacket.Write(plain, Opcode.ControlHardResetClientV2, 0, _clientSid, [], SessionId.Zero, 0, default);
        var wire = new byte[256];
        int w = wrap.Wrap(plain.AsSpan(0, n), wire, NetTime);
        return wire[..w];
    }

    private byte[] Ack(IControlChannelWrap wrap, SessionId cookie)
    {
        var plain = new byte[64];
        int n = ControlPacket.Write(plain, Opcode.AckV1, 0, _clientSid, [0u], cookie, 0, default);
        var wire = new byte[256];
        wrap.SetSendCounter(1, NetTime);
        int w = wrap.Wrap(plain.AsSpan(0, n), wire, NetTime);
        return wire[..w];
    }

    private SessionId ReplyCookie(HandshakeGate gate, long nowMs)
    {
        var reply = new byte[512];
        GateResult result = gate.CheckDatagram(ClientReset(ClientWrap()), s_address, nowMs, NetTime, reply);
        Assert.Equal(GateVerdict.Reply, result.Verdict);
        var plain = new byte[512];
        Assert.True(ClientWrap().TryUnwrap(reply.AsSpan(0, result.ReplyLength), plain, out int n, out _));
        Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out ControlPacket packet, out _));
        return packet.SessionId;
    }
}
