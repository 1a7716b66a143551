using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.Wire;

public class ControlPacketTests
{
    [Fact]
    public void Parse_UpstreamClientResetNone_ReadsAllFields()
    {
        Assert.True(ControlPacket.TryParse(UpstreamVectors.ClientResetV2None, out var p, out var reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(Opcode.ControlHardResetClientV2, p.Opcode);
        Assert.Equal(0, p.KeyId);
        Assert.Equal(new SessionId(0x6891923fa3103437), p.SessionId);
        Assert.Equal(0, p.AckCount);
        Assert.True(p.RemoteSessionId.IsZero);
        Assert.True(p.HasMessagePacketId);
        Assert.Equal(0u, p.MessagePacketId);
        Assert.True(p.Payload.IsEmpty);
    }

    [Fact]
    public void Serialize_UpstreamClientResetNone_ReproducesBytes()
    {
        byte[] buf = new byte[64];
        int n = ControlPacket.Write(buf, Opcode.ControlHardResetClientV2, 0, new SessionId(0x6891923fa3103437), [], default, 0, []);
        Assert.Equal(UpstreamVectors.ClientResetV2None, buf[..n]);
        Assert.Equal(n, ControlPacket.GetSize(Opcode.ControlHardResetClientV2, 0, 0));
    }

    [Fact]
    public void Parse_UpstreamControlWithAck_ReadsAckBlockAndPayload()
    {
        Assert.True(ControlPacket.TryParse(UpstreamVectors.ClientControlWithAck, out var p, out _));
        Assert.Equal(Opcode.ControlV1, p.Opcode);
        Assert.Equal(new SessionId(0x7819bf2ebcd19a45), p.SessionId);
        Assert.Equal(1, p.AckCount);
        Assert.Equal(0u, p.GetAck(0));
        Assert.Equal(new SessionId(0xeafebfa4418ae31b), p.RemoteSessionId);
        Assert.Equal(1u, p.MessagePacketId);
        Assert.Equal(new byte[] { 0x16, 0x03, 0x01 }, p.Payload.ToArray());

        byte[] buf = new byte[64];
        int n = ControlPacket.Write(buf, Opcode.ControlV1, 0, p.SessionId, [0u], p.RemoteSessionId, 1, p.Payload);
        Assert.Equal(UpstreamVectors.ClientControlWithAck, buf[..n]);
    }

    [Fact]
    public void Parse_UpstreamAckNone_HasNoMessageIdAndRoundTrips()
    {
        Assert.True(ControlPacket.TryParse(UpstreamVectors.ClientAckNoneRandomId, out var p, out _));
        Assert.Equal(Opcode.AckV1, p.Opcode);
        Assert.False(p.HasMessagePacketId);
        Assert.Equal(1, p.AckCount);
        Assert.Equal(new SessionId(0xdd85db535623b02e), p.RemoteSessionId);
        byte[] buf = new byte[64];
        int n = ControlPacket.Write(buf, Opcode.AckV1, 0, p.SessionId, [0u], p.RemoteSessionId, 0, []);
        Assert.Equal(UpstreamVectors.ClientAckNoneRandomId, buf[..n]);
    }

    [Fact]
    public void Parse_UpstreamAck123_ReadsThreeAcks()
    {
        Assert.True(ControlPacket.TryParse(UpstreamVectors.ClientAck123NoneRandomId, out var p, out _));
        Span<uint> acks = stackalloc uint[8];
        Assert.Equal(3, p.CopyAcksTo(acks));
        Assert.Equal(new uint[] { 0, 1, 2 }, acks[..3].ToArray());
    }

    [Fact]
    public void Parse_TruncatedMessageId_IsTooShort()
    {
        Assert.False(ControlPacket.TryParse(UpstreamVectors.ClientControlNoneRandomId, out _, out var reason));
        Assert.Equal(DropReason.TooShort, reason);
    }

    [Fact]
    public void Parse_NineAcks_IsDropped()
    {
        byte[] p = new byte[10 + (9 * 4) + 8 + 4];
        p[0] = 0x20;
        p[1] = 1;
        p[9] = 9;
        Assert.False(ControlPacket.TryParse(p, out _, out var reason));
        Assert.Equal(DropReason.TooManyAcks, reason);
    }

    [Fact]
    public void Parse_EightAcks_IsAccepted()
    {
        uint[] acks = [0, 1, 2, 3, 4, 5, 6, 7];
        byte[] buf = new byte[128];
        int n = ControlPacket.Write(buf, Opcode.AckV1, 2, new SessionId(5), acks, new SessionId(6), 0, []);
        Assert.True(ControlPacket.TryParse(buf.AsSpan(0, n), out var p, out _));
        Assert.Equal(8, p.AckCount);
        Assert.Equal(7u, p.GetAck(7));
        Assert.Equal(2, p.KeyId);
    }

    [Fact]
    public void Parse_ZeroSessionId_IsDropped()
    {
        byte[] p = (byte[])UpstreamVectors.ClientResetV2None.Clone();
        p.AsSpan(1, 8).Clear();
        Assert.False(ControlPacket.TryParse(p, out _, out var reason));
        Assert.Equal(DropReason.ZeroSessionId, reason);
    }

    [Theory]
    [InlineData(0x30)] // P_DATA_V1
    [InlineData(0x48)] // P_DATA_V2
    [InlineData(0x08)] // key-method 1 client reset
    [InlineData(0x60)] // opcode 12
    [InlineData(0x00)] // opcode 0
    public void Parse_NonControlOpcode_IsBadOpcode(byte b0)
    {
        byte[] p = (byte[])UpstreamVectors.ClientResetV2None.Clone();
        p[0] = b0;
        Assert.False(ControlPacket.TryParse(p, out _, out var reason));
        Assert.Equal(DropReason.BadOpcode, reason);
    }

    [Fact]
    public void Parse_AckWithoutAcks_IsMalformed()
    {
        Assert.False(ControlPacket.TryParse(Hex.Parse("28 aeb9afe1f01d79c8 00"), out _, out var reason));
        Assert.Equal(DropReason.Malformed, reason);
    }

    [Fact]
    public void Parse_AckWithTrailingBytes_IsMalformed()
    {
        byte[] p = [.. UpstreamVectors.ClientAckNoneRandomId, 0x00];
        Assert.False(ControlPacket.TryParse(p, out _, out var reason));
        Assert.Equal(DropReason.Malformed, reason);
    }

    [Fact]
    public void Parse_EveryTruncation_IsDroppedWithoutThrowing()
    {
        byte[] full = UpstreamVectors.ClientControlWithAck;
        // Up to the message id everything is mandatory.
        for (int len = 0; len < 26; len++)
        {
            Assert.False(ControlPacket.TryParse(full.AsSpan(0, len), out _, out var reason));
            Assert.Equal(DropReason.TooShort, reason);
        }
    }

    [Fact]
    public void Write_WkcOpcodeWithKeyId_SetsHeaderByte()
    {
        byte[] buf = new byte[64];
        int n = ControlPacket.Write(buf, Opcode.ControlWkcV1, 0, new SessionId(1), [0u], new SessionId(2), 1, []);
        Assert.Equal(0x58, buf[0]);
        Assert.True(ControlPacket.TryParse(buf.AsSpan(0, n), out var p, out _));
        Assert.Equal(Opcode.ControlWkcV1, p.Opcode);
    }

    [Fact]
    public void Write_NineAcks_Throws()
    {
        byte[] buf = new byte[128];
        Assert.Throws<ArgumentException>(() =>
            ControlPacket.Write(buf, Opcode.ControlV1, 0, new SessionId(1), new uint[9], new SessionId(2), 0, []));
    }
}
