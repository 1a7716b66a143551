using SharpVpn.DataChannel;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Tests;

public sealed class DataChannelPipeTests
{
    private static readonly byte[] s_ipPacket = MakeIpPacket(84);

    [Theory]
    [InlineData("AES-256-GCM", CompressionFramingMode.None)]
    [InlineData("AES-128-GCM", CompressionFramingMode.Lzo)]
    [InlineData("CHACHA20-POLY1305", CompressionFramingMode.Stub)]
    [InlineData("AES-256-CBC", CompressionFramingMode.StubV2)]
    [InlineData("AES-256-CBC", CompressionFramingMode.LzoStub)]
    public void Seal_ThenOpenOnThePeer_DeliversTheSameIpPacketBothWays(string cipher, CompressionFramingMode framing)
    {
        using var pair = new SessionPair(cipher);
        var client = new DataChannelPipe(pair.Client, framing);
        var server = new DataChannelPipe(pair.Server, framing);

        AssertRoundTrip(client, server, s_ipPacket);
        AssertRoundTrip(server, client, s_ipPacket);
        Assert.Equal(s_ipPacket.Length, client.TunReadBytes);
        Assert.Equal(s_ipPacket.Length, client.TunWriteBytes);
        Assert.True(client.LastSentMs > 0 && client.LastReceivedMs > 0);
    }

    [Fact]
    public void ClientUsesThePushedPeerIdInDataV2Headers()
    {
        using var pair = new SessionPair();
        var client = new DataChannelPipe(pair.Client, CompressionFramingMode.None);
        byte[] wire = new byte[2048];
        int n = Seal(client, s_ipPacket, wire);
        Assert.True(n > 0);
        Assert.Equal(DataPacketHeader.OpcodeDataV2, wire[0] >> 3);
        Assert.Equal(7, (wire[1] << 16) | (wire[2] << 8) | wire[3]);
    }

    [Fact]
    public void PingAndExitNotify_AreRecognisedNotDelivered()
    {
        using var pair = new SessionPair();
        var client = new DataChannelPipe(pair.Client, CompressionFramingMode.Lzo);
        var server = new DataChannelPipe(pair.Server, CompressionFramingMode.Lzo);
        byte[] wire = new byte[2048];
        byte[] plain = new byte[2048];
        byte[] decompress = new byte[2048];

        int n = client.SealPing(wire);
        Assert.Equal(InboundData.Ping, server.Open(wire.AsSpan(0, n), plain, decompress, out _));
        n = client.SealExitNotify(wire);
        Assert.Equal(InboundData.ExitNotify, server.Open(wire.AsSpan(0, n), plain, decompress, out _));
        Assert.Equal(0, client.TunReadBytes); // keepalives are not TUN traffic
        Assert.Equal(0, server.TunWriteBytes);
    }

    [Fact]
    public void TamperedReplayedOrUnknownKeyPackets_AreDroppedAndCounted()
    {
        using var pair = new SessionPair();
        var client = new DataChannelPipe(pair.Client, CompressionFramingMode.None);
        var server = new DataChannelPipe(pair.Server, CompressionFramingMode.None);
        byte[] wire = new byte[2048];
        byte[] plain = new byte[2048];
        byte[] decompress = new byte[2048];
        int n = Seal(client, s_ipPacket, wire);

        Assert.Equal(InboundData.TunPacket, server.Open(wire.AsSpan(0, n), plain, decompress, out _));
        Assert.Equal(InboundData.Dropped, server.Open(wire.AsSpan(0, n), plain, decompress, out _)); // replay
        wire[n - 1] ^= 1;
        Assert.Equal(InboundData.Dropped, server.Open(wire.AsSpan(0, n), plain, decompress, out _)); // tag
        wire[0] = (byte)((wire[0] & ~7) | 5);
        Assert.Equal(InboundData.Dropped, server.Open(wire.AsSpan(0, n), plain, decompress, out _)); // no key 5
        Assert.Equal(3, server.DroppedInbound);
    }

    [Fact]
    public void SteadyState_SealAndOpen_AllocateNothing()
    {
        using var pair = new SessionPair();
        var client = new DataChannelPipe(pair.Client, CompressionFramingMode.Lzo);
        var server = new DataChannelPipe(pair.Server, CompressionFramingMode.Lzo);
        byte[] buffer = new byte[2048];
        byte[] wire = new byte[2048];
        byte[] plain = new byte[2048];
        byte[] decompress = new byte[2048];
        for (int i = 0; i < 100; i++)
        {
            RoundTripOnce(client, server, buffer, wire, plain, decompress); // warm up (JIT, tiering)
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            RoundTripOnce(client, server, buffer, wire, plain, decompress);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static void RoundTripOnce(DataChannelPipe client, DataChannelPipe server, byte[] buffer, byte[] wire, byte[] plain, byte[] decompress)
    {
        s_ipPacket.CopyTo(buffer, DataPathLayout.Headroom);
        int n = client.Seal(buffer, DataPathLayout.Headroom, s_ipPacket.Length, wire);
        if (server.Open(wire.AsSpan(0, n), plain, decompress, out _) != InboundData.TunPacket)
        {
            throw new InvalidOperationException("round trip failed");
        }
    }

    private static void AssertRoundTrip(DataChannelPipe from, DataChannelPipe to, byte[] ip)
    {
        byte[] wire = new byte[2048];
        int n = Seal(from, ip, wire);
        Assert.True(n > ip.Length);
        Assert.Equal(InboundData.TunPacket, to.Open(wire.AsSpan(0, n), new byte[2048], new byte[2048], out Span<byte> packet));
        Assert.Equal(ip, packet.ToArray());
    }

    private static int Seal(DataChannelPipe pipe, byte[] ip, byte[] wire)
    {
        byte[] buffer = new byte[2048];
        ip.CopyTo(buffer, DataPathLayout.Headroom);
        return pipe.Seal(buffer, DataPathLayout.Headroom, ip.Length, wire);
    }

    private static byte[] MakeIpPacket(int length)
    {
        byte[] p = new byte[length];
        p[0] = 0x45;
        p[2] = (byte)(length >> 8);
        p[3] = (byte)length;
        p[9] = 1; // ICMP
        for (int i = 20; i < length; i++)
        {
            p[i] = (byte)i;
        }

        return p;
    }
}
