using System.Security.Cryptography;
using System.Text;

namespace SharpVpn.DataChannel.Tests;

public class DataChannelMessagesTests
{
    [Fact]
    public void Ping_ExactMagicOnly()
    {
        byte[] buf = new byte[20];
        Assert.Equal(16, DataChannelMessages.WritePing(buf));
        Assert.Equal("2a187bf3641eb4cb07ed2d0a981fc748", Hex.Of(buf.AsSpan(0, 16)));
        Assert.True(DataChannelMessages.IsPing(buf.AsSpan(0, 16)));
        Assert.False(DataChannelMessages.IsPing(buf.AsSpan(0, 17)));   // ping.h is_ping_msg: length must match
        Assert.False(DataChannelMessages.IsPing(buf.AsSpan(0, 15)));
        Assert.True(DataChannelMessages.MayBeSpecial(buf));
    }

    [Fact]
    public void Occ_ExitAndReply()
    {
        byte[] buf = new byte[100];
        int n = DataChannelMessages.WriteExitNotify(buf);
        Assert.Equal("287f346bd4ef7a812d56b8d3afc5459c06", Hex.Of(buf.AsSpan(0, n)));
        Assert.True(DataChannelMessages.IsExitNotify(buf.AsSpan(0, n)));
        Assert.False(DataChannelMessages.IsPing(buf.AsSpan(0, n)));

        byte[] opts = Encoding.ASCII.GetBytes("V4,dev-type tun,link-mtu 1559\0");
        n = DataChannelMessages.WriteOcc(buf, OccOpcode.Reply, opts);
        Assert.True(DataChannelMessages.TryParseOcc(buf.AsSpan(0, n), out OccOpcode op, out ReadOnlySpan<byte> data));
        Assert.Equal(OccOpcode.Reply, op);
        Assert.Equal(opts.Length, data.Length);
        Assert.Equal("V4,dev-type tun,link-mtu 1559", DataChannelMessages.TryGetOccReplyOptions(buf.AsSpan(0, n)));

        // Magic without opcode byte, and IP packets, are not OCC messages we can act on.
        Assert.False(DataChannelMessages.TryParseOcc(DataChannelMessages.OccMagic, out _, out _));
        Assert.False(DataChannelMessages.TryParseOcc([0x45, 0, 0, 20], out _, out _));
    }

    // RFC 8439 §2.8.2: the platform ChaCha20-Poly1305 we build on is the standard one.
    [Fact]
    public void ChaCha20Poly1305_Rfc8439Sanity()
    {
        byte[] key = Hex.Range(0x80, 32);
        byte[] nonce = Hex.Parse("070000004041424344454647");
        byte[] aad = Hex.Parse("50515253c0c1c2c3c4c5c6c7");
        byte[] plain = Encoding.ASCII.GetBytes("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
        byte[] ct = new byte[plain.Length];
        byte[] tag = new byte[16];
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plain, ct, tag, aad);
        Assert.Equal(
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
            Hex.Of(ct));
        Assert.Equal("1ae10b594f09e26a7e902ecbd0600691", Hex.Of(tag));
    }

    [Fact]
    public void DataChannelKey_RenegotiateAndExhaustion()
    {
        byte[] km = RandomNumberGenerator.GetBytes(256);
        using DataChannelKey key = DataChannelKey.Create(DataCipherSuite.Parse("AES-256-GCM"), km, false, 1);
        byte[] wire = new byte[100];
        key.SetLastSentPacketIdForTest(DataChannelKey.RenegotiatePacketId - 1);
        Assert.False(key.ShouldRenegotiate);
        Assert.True(key.Encrypt(new byte[4], wire, -1) > 0);
        Assert.True(key.ShouldRenegotiate);      // reached 0xFF000000
        key.SetLastSentPacketIdForTest(uint.MaxValue - 1);
        Assert.True(key.Encrypt(new byte[4], wire, -1) > 0);   // 0xFFFFFFFF is the last id
        Assert.Equal("31ffffffff", Hex.Of(wire.AsSpan(0, 5)));
        Assert.True(key.IsExhausted);
        Assert.Equal(0, key.Encrypt(new byte[4], wire, -1));  // never wraps
        Assert.Equal(0, key.Encrypt(new byte[4], wire, -1));
        Assert.Equal(uint.MaxValue, key.LastSentPacketId);
    }

    [Fact]
    public void Header_ParseAndWrite()
    {
        byte[] b = new byte[4];
        Assert.Equal(4, DataPacketHeader.Write(b, 5, 0x123456));
        Assert.Equal("4d123456", Hex.Of(b));
        Assert.True(DataPacketHeader.TryParse(b, out int kid, out int pid, out int hl));
        Assert.Equal((5, 0x123456, 4), (kid, pid, hl));
        Assert.False(DataPacketHeader.TryParse(b.AsSpan(0, 3), out _, out _, out _));
        Assert.True(DataPacketHeader.TryParse([0x37], out kid, out pid, out hl));
        Assert.Equal((7, -1, 1), (kid, pid, hl));
        Assert.False(DataPacketHeader.TryParse([0x20, 0, 0, 0], out _, out _, out _)); // P_CONTROL_V1
        Assert.False(DataPacketHeader.IsData(0x38));
        Assert.True(DataPacketHeader.IsData(0x48));
    }
}
