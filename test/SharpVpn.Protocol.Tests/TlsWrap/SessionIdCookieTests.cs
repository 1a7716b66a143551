using SharpVpn.Protocol.Tests.Wire;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

public class SessionIdCookieTests
{
    private static readonly byte[] Address = [127, 0, 0, 1, 0x04, 0xaa];
    private static readonly SessionId ClientSid = new(0x0102030405060708);
    private const long Now = 1_000_000_000; // ms; slot length 30 s with hand-window 60

    private readonly SessionIdCookie _cookie = new(new byte[32], 60);

    [Fact]
    public void Verify_FreshCookie_Accepts()
    {
        var sid = _cookie.Compute(Address, ClientSid, Now);
        Assert.False(sid.IsZero);
        Assert.True(_cookie.Verify(Address, ClientSid, sid, Now));
    }

    [Fact]
    public void Verify_SameInputsSameSlot_IsDeterministic()
    {
        Assert.Equal(_cookie.Compute(Address, ClientSid, Now), _cookie.Compute(Address, ClientSid, Now + 1));
    }

    [Fact]
    public void Verify_TwoPreviousSlots_Accepted_ThirdRejected()
    {
        var sid = _cookie.Compute(Address, ClientSid, Now);
        long slotStart = Now / 30_000 * 30_000;
        Assert.True(_cookie.Verify(Address, ClientSid, sid, slotStart + 30_000));
        Assert.True(_cookie.Verify(Address, ClientSid, sid, slotStart + 60_000 + 29_999));
        Assert.False(_cookie.Verify(Address, ClientSid, sid, slotStart + 90_000));
        Assert.False(_cookie.Verify(Address, ClientSid, sid, slotStart - 1)); // a future cookie is not valid now
    }

    [Fact]
    public void Verify_WrongAddressPortOrClientSid_Rejected()
    {
        var sid = _cookie.Compute(Address, ClientSid, Now);
        Assert.False(_cookie.Verify([127, 0, 0, 2, 0x04, 0xaa], ClientSid, sid, Now));
        Assert.False(_cookie.Verify([127, 0, 0, 1, 0x04, 0xab], ClientSid, sid, Now));
        Assert.False(_cookie.Verify(Address, new SessionId(0x0102030405060709), sid, Now));
    }

    [Fact]
    public void Verify_AnyFlippedBit_Rejected()
    {
        var sid = _cookie.Compute(Address, ClientSid, Now);
        for (int bit = 0; bit < 64; bit++)
        {
            Assert.False(_cookie.Verify(Address, ClientSid, new SessionId(sid.Value ^ (1UL << bit)), Now), $"bit {bit}");
        }
    }

    [Fact]
    public void Verify_ZeroOrRandomCandidate_Rejected()
    {
        Assert.False(_cookie.Verify(Address, ClientSid, SessionId.Zero, Now));
        for (int i = 0; i < 1000; i++)
        {
            Assert.False(_cookie.Verify(Address, ClientSid, SessionId.NewRandom(), Now));
        }
    }

    [Fact]
    public void Verify_OtherSecret_Rejected()
    {
        var sid = _cookie.Compute(Address, ClientSid, Now);
        Assert.False(SessionIdCookie.CreateRandom().Verify(Address, ClientSid, sid, Now));
    }

    [Fact]
    public void VerifyHandshakePacket_FollowsOpenVpn2615Rules()
    {
        var cookie = _cookie.Compute(Address, ClientSid, Now);
        Assert.True(Check(Opcode.AckV1, [0u], cookie, 0, out _));
        Assert.True(Check(Opcode.ControlV1, [0u], cookie, 1, out _));
        Assert.True(Check(Opcode.ControlWkcV1, [0u, 1u], cookie, 1, out _));
        Assert.False(Check(Opcode.ControlV1, [], cookie, 1, out var r));         // no ack: test_pkt.c client_ack_tls_auth_randomid
        Assert.Equal(DropReason.BadCookie, r);
        Assert.False(Check(Opcode.AckV1, [0u, 1u, 2u], cookie, 0, out _));      // acks id 2: client_ack_123_none_random_id
        Assert.False(Check(Opcode.ControlV1, [0u], cookie, 2, out _));          // message id 2
        Assert.False(Check(Opcode.ControlV1, [0u], new SessionId(cookie.Value ^ 1), 1, out _));
        Assert.False(Check(Opcode.ControlHardResetClientV2, [0u], cookie, 0, out r));
        Assert.Equal(DropReason.BadOpcode, r);
    }

    [Fact]
    public void VerifyHandshakePacket_UpstreamAckWithRandomId_Rejected()
    {
        Assert.True(ControlPacket.TryParse(UpstreamVectors.ClientAckNoneRandomId, out var p, out _));
        Assert.False(_cookie.VerifyHandshakePacket(p, Address, Now, out var reason));
        Assert.Equal(DropReason.BadCookie, reason);
    }

    private bool Check(Opcode opcode, uint[] acks, SessionId remote, uint messageId, out DropReason reason)
    {
        byte[] buf = new byte[128];
        int n = ControlPacket.Write(buf, opcode, 0, ClientSid, acks, remote, messageId, []);
        Assert.True(ControlPacket.TryParse(buf.AsSpan(0, n), out var p, out _));
        return _cookie.VerifyHandshakePacket(p, Address, Now, out reason);
    }
}
