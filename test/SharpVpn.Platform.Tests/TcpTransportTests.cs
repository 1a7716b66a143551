using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Platform.Tests;

public sealed class TcpFrameReaderTests
{
    [Fact]
    public void SplitHeaderAndBody_AreReassembled()
    {
        var reader = new TcpFrameReader(1500);
        var dest = new byte[1500];
        reader.Feed([0x00]);
        Assert.False(reader.TryReadPacket(dest, out _));
        reader.Feed([0x03, 0xAA]);
        Assert.False(reader.TryReadPacket(dest, out _));
        reader.Feed([0xBB, 0xCC, 0x00, 0x01, 0xDD]);
        Assert.True(reader.TryReadPacket(dest, out int n));
        Assert.Equal(new byte[] { 0xAA, 0xBB, 0xCC }, dest[..n]);
        Assert.True(reader.TryReadPacket(dest, out n));
        Assert.Equal(new byte[] { 0xDD }, dest[..n]);
        Assert.False(reader.TryReadPacket(dest, out _));
        Assert.Equal(0, reader.Buffered);
    }

    [Theory]
    [InlineData(0x00, 0x00)]
    [InlineData(0x05, 0xDD)] // 1501 > 1500
    [InlineData(0xFF, 0xFF)]
    public void ZeroOrOversizeLength_IsRejected(byte hi, byte lo)
    {
        var reader = new TcpFrameReader(1500);
        reader.Feed([hi, lo, 1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => reader.TryReadPacket(new byte[2000], out _));
    }

    [Fact]
    public void StartsSmall_AndGrowsForAFrameLargerThanItsBuffer()
    {
        var reader = new TcpFrameReader(16384);
        Assert.Equal(TcpFrameReader.InitialSize, reader.Capacity); // an idle TCP client costs 4 KB here, not 64 KB
        var frame = new byte[2 + 10_000];
        frame[0] = 10_000 >> 8;
        frame[1] = 10_000 & 0xFF;
        frame[^1] = 0x5A;
        reader.Feed(frame);
        Assert.True(reader.Capacity >= 10_002);
        var dest = new byte[16384];
        Assert.True(reader.TryReadPacket(dest, out int n));
        Assert.Equal(10_000, n);
        Assert.Equal(0x5A, dest[n - 1]);
    }

    [Fact]
    public void TryTakePacket_ReturnsEachWholeFrameInPlace_ThenWaitsForMore()
    {
        var reader = new TcpFrameReader(1500);
        reader.Feed([0x00, 0x02, 0xAA, 0xBB, 0x00, 0x01, 0xCC, 0x00, 0x03, 0xDD]);
        Assert.True(reader.TryTakePacket(out ReadOnlySpan<byte> first));
        Assert.Equal(new byte[] { 0xAA, 0xBB }, first.ToArray());
        Assert.True(reader.TryTakePacket(out ReadOnlySpan<byte> second));
        Assert.Equal(new byte[] { 0xCC }, second.ToArray());
        Assert.False(reader.TryTakePacket(out _)); // 1 of 3 bytes of the third frame
        reader.Feed([0xEE, 0xFF]);
        Assert.True(reader.TryTakePacket(out ReadOnlySpan<byte> third));
        Assert.Equal(new byte[] { 0xDD, 0xEE, 0xFF }, third.ToArray());
        Assert.Equal(0, reader.Buffered);
    }

    [Fact]
    public void PacketLargerThanTheCallersBuffer_IsRejectedAsBadData()
    {
        var reader = new TcpFrameReader(1500);
        reader.Feed([0x01, 0x00, .. new byte[256]]);
        Assert.Throws<InvalidDataException>(() => reader.TryReadPacket(new byte[100], out _));
    }

    [Fact]
    public void ManyFrames_LongerThanTheBuffer_AreAllRead()
    {
        var reader = new TcpFrameReader(1500);
        var dest = new byte[1500];
        var frame = new byte[1202];
        frame[0] = 0x04;
        frame[1] = 0xB0; // 1200
        int read = 0;
        for (int i = 0; i < 500; i++)
        {
            frame[2] = (byte)i;
            reader.Feed(frame);
            while (reader.TryReadPacket(dest, out int n))
            {
                Assert.Equal(1200, n);
                Assert.Equal((byte)read, dest[0]);
                read++;
            }
        }
        Assert.Equal(500, read);
    }
}

[Trait("Category", "Interop")]
public sealed class TcpTransportTests
{
    [Fact]
    public void RoundTrip_BothDirections_IncludingBatch()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => TcpTransport.Connect(listener.LocalEndPoint, TimeSpan.FromSeconds(5)));
        using TcpTransport server = listener.Accept();
        var buffer = new byte[TcpTransport.DefaultMaxPacketSize];

        Assert.True(client.Send("hello"u8));
        Assert.Equal(5, server.Receive(buffer));
        Assert.Equal("hello"u8.ToArray(), buffer[..5]);

        byte[][] bufs = [.. Enumerable.Range(0, 100).Select(i => { var b = new byte[8 + 1400]; b[8] = (byte)i; return b; })];
        int[] sizes = [.. Enumerable.Range(0, 100).Select(i => 100 + (i * 13))];
        Assert.Equal(100, server.SendBatch(bufs, sizes, 8));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(sizes[i], client.Receive(buffer));
            Assert.Equal((byte)i, buffer[0]);
        }
    }

    [Fact]
    public void SplitLengthHeader_OverTheWire_IsReassembled()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var raw = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
        raw.Connect(listener.LocalEndPoint);
        using TcpTransport server = listener.Accept();
        int length = -1;
        var buffer = new byte[2000];
        var reader = new Thread(() => length = server.Receive(buffer));
        reader.Start();
        raw.Send([0x00]);
        Thread.Sleep(100);
        raw.Send([0x04]);
        Thread.Sleep(100);
        Assert.True(reader.IsAlive);
        raw.Send(new byte[4]);
        Assert.True(reader.Join(5000));
        Assert.Equal(4, length);
    }

    [Fact]
    public void OversizeLength_OverTheWire_IsRejected()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0), maxPacketSize: 1600));
        using var raw = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp));
        raw.Connect(listener.LocalEndPoint);
        using TcpTransport server = listener.Accept();
        raw.Send([0x10, 0x00, 1, 2, 3]); // 4096 > 1600
        var ex = Assert.Throws<InvalidDataException>(() => server.Receive(new byte[2000]));
        Assert.Contains("4096", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PeerCloseAtBoundary_ReturnsZero_ButMidPacketIsAnError()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using (var raw = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)))
        {
            raw.Connect(listener.LocalEndPoint);
            using TcpTransport server = listener.Accept();
            raw.Send([0x00, 0x01, 0x42]);
            raw.Shutdown(SocketShutdown.Send);
            var buf = new byte[100];
            Assert.Equal(1, server.Receive(buf));
            Assert.Equal(0, server.Receive(buf));
        }
        using (var raw = ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)))
        {
            raw.Connect(listener.LocalEndPoint);
            using TcpTransport server = listener.Accept();
            raw.Send([0x00, 0x05, 0x42]);
            raw.Shutdown(SocketShutdown.Send);
            Assert.Throws<InvalidDataException>(() => server.Receive(new byte[100]));
        }
    }

    [Fact]
    public void Dispose_UnblocksReceive()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => TcpTransport.Connect(listener.LocalEndPoint, TimeSpan.FromSeconds(5)));
        using TcpTransport server = listener.Accept();
        int result = 99;
        var reader = new Thread(() => result = server.Receive(new byte[100]));
        reader.Start();
        Thread.Sleep(200);
        server.Dispose();
        Assert.True(reader.Join(2000));
        Assert.Equal(0, result);
    }

    [Fact]
    public async Task ReceiveAsync_ReadsFramedPackets()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => TcpTransport.Connect(listener.LocalEndPoint, TimeSpan.FromSeconds(5)));
        using TcpTransport server = await listener.AcceptAsync();
        client.Send("abc"u8);
        client.Send("defg"u8);
        var buf = new byte[100];
        Assert.Equal(3, await server.ReceiveAsync(buf));
        Assert.Equal(4, await server.ReceiveAsync(buf));
        Assert.Equal("defg"u8.ToArray(), buf[..4]);
    }

    [Fact]
    public void Connect_ToClosedPort_NamesTheEndpoint()
    {
        using var ns = new TestNamespace();
        const int port = 9;
        var ex = Assert.Throws<SocketException>(() => ns.Run(() => TcpTransport.Connect(new IPEndPoint(IPAddress.Loopback, port), TimeSpan.FromSeconds(5))));
        Assert.Contains($"127.0.0.1:{port}", ex.Message, StringComparison.Ordinal);
    }
    [Fact]
    public void ReceiveBatch_TakesEveryPacketAlreadyReceived_InOrder()
    {
        using var ns = new TestNamespace();
        using var listener = ns.Run(() => new TcpListenerTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => TcpTransport.Connect(listener.LocalEndPoint, TimeSpan.FromSeconds(5)));
        using TcpTransport server = listener.Accept();
        byte[][] bufs = [.. Enumerable.Range(0, 20).Select(i => { var b = new byte[1400]; b[0] = (byte)i; return b; })];
        int[] sent = [.. Enumerable.Range(0, 20).Select(i => 100 + i)]; // 2.3 KB: within the reader's initial 4 KB
        Assert.Equal(20, server.SendBatch(bufs, sent, 0));
        Thread.Sleep(100); // all 20 are in the client's socket buffer: one recv brings them in

        byte[][] into = [.. Enumerable.Range(0, 32).Select(_ => new byte[1500])];
        int[] sizes = new int[32];
        int total = 0;
        int calls = 0;
        while (total < 20)
        {
            int n = client.ReceiveBatch(into, sizes, 8);
            calls++;
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(sent[total], sizes[i]);
                Assert.Equal((byte)total, into[i][8]);
                total++;
            }
        }
        Assert.Equal(1, calls);
    }

    [Fact]
    public void Connect_ToAnAddressThatNeverAnswers_TimesOutNamingTheEndpoint()
    {
        using var ns = new TestNamespace();
        // Inside the test namespace only: nobody answers ARP for 10.99.99.1 on this veth, so the SYN waits (about
        // 3 s until the kernel gives up) and the 500 ms connect timeout must fire first.
        ns.Ip("link", "add", "svtmo0", "type", "veth", "peer", "name", "svtmo1");
        ns.Ip("addr", "add", "10.99.99.2/24", "dev", "svtmo0");
        ns.Ip("link", "set", "svtmo0", "up");
        ns.Ip("link", "set", "svtmo1", "up");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var ex = Assert.Throws<SocketException>(() => ns.Run(() => TcpTransport.Connect(new IPEndPoint(IPAddress.Parse("10.99.99.1"), 1194), TimeSpan.FromMilliseconds(500))));
        Assert.Contains("10.99.99.1:1194 timed out", ex.Message, StringComparison.Ordinal);
        Assert.InRange(clock.ElapsedMilliseconds, 400, 5000);
    }
}
