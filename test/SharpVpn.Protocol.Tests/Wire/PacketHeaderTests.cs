using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.Wire;

public class PacketHeaderTests
{
    [Theory]
    [InlineData(Opcode.ControlHardResetClientV1, 0x08)]
    [InlineData(Opcode.ControlHardResetServerV1, 0x10)]
    [InlineData(Opcode.ControlSoftResetV1, 0x18)]
    [InlineData(Opcode.ControlV1, 0x20)]
    [InlineData(Opcode.AckV1, 0x28)]
    [InlineData(Opcode.DataV1, 0x30)]
    [InlineData(Opcode.ControlHardResetClientV2, 0x38)]
    [InlineData(Opcode.ControlHardResetServerV2, 0x40)]
    [InlineData(Opcode.DataV2, 0x48)]
    [InlineData(Opcode.ControlHardResetClientV3, 0x50)]
    [InlineData(Opcode.ControlWkcV1, 0x58)]
    public void Make_KeyIdZero_MatchesProtocolTable(Opcode opcode, byte expected)
    {
        Assert.Equal(expected, PacketHeader.Make(opcode, 0));
        Assert.Equal(opcode, PacketHeader.GetOpcode(expected));
    }

    [Fact]
    public void KeyId_RoundTripsInLowBits()
    {
        byte b = PacketHeader.Make(Opcode.ControlSoftResetV1, 7);
        Assert.Equal(0x1f, b);
        Assert.Equal(7, PacketHeader.GetKeyId(b));
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketHeader.Make(Opcode.ControlV1, 8));
    }

    [Fact]
    public void Classification_MatchesOpenVpn26()
    {
        Assert.False(PacketHeader.IsControl(Opcode.ControlHardResetClientV1));
        Assert.False(PacketHeader.HasMessagePacketId(Opcode.AckV1));
        Assert.True(PacketHeader.HasMessagePacketId(Opcode.ControlWkcV1));
        Assert.True(PacketHeader.CarriesWrappedKey(Opcode.ControlHardResetClientV3));
        Assert.False(PacketHeader.CarriesWrappedKey(Opcode.ControlV1));
        Assert.True(PacketHeader.IsData(Opcode.DataV2));
    }

    [Fact]
    public void TryPeek_ReadsClearPrefixOfWrappedPacket()
    {
        Assert.True(PacketHeader.TryPeek(UpstreamVectors.ClientResetV2TlsCrypt, out var op, out int kid, out var sid));
        Assert.Equal(Opcode.ControlHardResetClientV2, op);
        Assert.Equal(0, kid);
        Assert.Equal("f419cb12d1f9e48f", sid.ToString());
        Assert.False(PacketHeader.TryPeek(new byte[8], out _, out _, out _));
    }
}
