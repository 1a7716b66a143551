using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Platform.Tests;

[Trait("Category", "Interop")]
public sealed class UdpTransportTests
{
    [Fact]
    public void SendTo_ReceiveFrom_OverLoopbackInNamespace_ReportsTheSource()
    {
        using var ns = new TestNamespace();
        (UdpTransport server, UdpTransport client) = ns.Run(() =>
            (new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)), new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0))));
        using (server)
        using (client)
        {
            SocketAddress to = server.LocalEndPoint.Serialize();
            Assert.True(client.SendTo("hello"u8, to));
            var buffer = new byte[1500];
            SocketAddress from = server.CreateSocketAddress();
            int n = server.ReceiveFrom(buffer, from);
            Assert.Equal("hello"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
            Assert.True(PeerEndpoint.TryFrom(from, out PeerEndpoint peer));
            Assert.Equal(PeerEndpoint.From(client.LocalEndPoint), peer);
            Assert.Equal(client.LocalEndPoint, peer.ToIPEndPoint());

            // Reply through the peer's sockaddr.
            Assert.True(server.SendTo("world"u8, peer.ToSocketAddress(server.AddressFamily)));
            n = client.ReceiveFrom(buffer, client.CreateSocketAddress());
            Assert.Equal("world"u8.ToArray(), buffer.AsSpan(0, n).ToArray());
        }
    }

    [Fact]
    public void DualStackSocket_SeesIPv4PeerAsMapped_AndKeyEqualsIPv4Key()
    {
        using var ns = new TestNamespace();
        using var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.IPv6Any, 0)));
        using var client = ns.Run(() => UdpTransport.ForClient(new IPEndPoint(IPAddress.Loopback, server.LocalEndPoint.Port)));
        Assert.True(client.Send("x"u8));
        SocketAddress from = server.CreateSocketAddress();
        var buffer = new byte[100];
        Assert.Equal(1, server.ReceiveFrom(buffer, from));
        Assert.Equal(AddressFamily.InterNetworkV6, from.Family);
        Assert.True(PeerEndpoint.TryFrom(from, out PeerEndpoint peer));
        Assert.True(peer.IsIPv4);
        Assert.Equal(IPAddress.Loopback, peer.Address);
        Assert.Equal(PeerEndpoint.From(new IPEndPoint(IPAddress.Loopback, client.LocalEndPoint.Port)), peer);
        Assert.Equal($"127.0.0.1:{client.LocalEndPoint.Port}", peer.ToString());

        Assert.True(server.SendTo("y"u8, peer.ToSocketAddress(server.AddressFamily)));
        Assert.Equal(1, client.Receive(buffer));
        Assert.Equal((byte)'y', buffer[0]);
    }

    [Fact]
    public void ReceiveAndSend_DoNotAllocate()
    {
        using var ns = new TestNamespace();
        using var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        SocketAddress to = server.LocalEndPoint.Serialize();
        SocketAddress from = server.CreateSocketAddress();
        var packet = new byte[1400];
        var buffer = new byte[2048];
        var peers = new Dictionary<PeerEndpoint, int> { [PeerEndpoint.From(client.LocalEndPoint)] = 7 };
        for (int i = 0; i < 100; i++)
        {
            client.SendTo(packet, to);
            server.ReceiveFrom(buffer, from);
        }
        long[] allocated = new long[3];
        int found = 0;
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10000; i++)
            {
                client.SendTo(packet, to);
                server.ReceiveFrom(buffer, from);
                PeerEndpoint.TryFrom(from, out PeerEndpoint peer);
                found += peers[peer];
            }
            allocated[round] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        Assert.Equal(210000, found);
        // Round 0 may see a one-off allocation from tiered JIT recompiling the loop; steady state is what counts.
        Assert.Equal([0, 0], allocated[1..]);
    }

    [Fact]
    public void BatchSendAndReceive_CarryEveryDatagramInOrder()
    {
        using var ns = new TestNamespace();
        using var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => UdpTransport.ForClient(server.LocalEndPoint));
        const int offset = 16;
        byte[][] outBufs = [.. Enumerable.Range(0, 40).Select(i => { var b = new byte[offset + 100]; b[offset] = (byte)i; return b; })];
        int[] outSizes = [.. Enumerable.Range(0, 40).Select(i => 1 + i)];
        Assert.Equal(40, client.SendBatch(outBufs, outSizes, offset, to: null));

        byte[][] inBufs = [.. Enumerable.Range(0, 64).Select(_ => new byte[offset + 2048])];
        int[] inSizes = new int[64];
        SocketAddress[] from = [.. Enumerable.Range(0, 64).Select(_ => server.CreateSocketAddress())];
        int received = 0;
        while (received < 40)
        {
            int n = server.ReceiveBatch(inBufs.AsSpan(received), inSizes.AsSpan(received), from[received..], offset);
            Assert.True(n > 0);
            received += n;
        }
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(1 + i, inSizes[i]);
            Assert.Equal((byte)i, inBufs[i][offset]);
            Assert.True(PeerEndpoint.TryFrom(from[i], out PeerEndpoint peer));
            Assert.Equal(client.LocalEndPoint.Port, peer.Port);
        }

        // Unconnected batch send to an explicit address.
        using var other = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(3, other.SendBatch(outBufs.AsSpan(0, 3), outSizes.AsSpan(0, 3), offset, server.LocalEndPoint.Serialize()));
        Assert.Equal(3, CountUntilQuiet(server, inBufs, inSizes, from, offset));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GsoBatch_ArrivesAsTheOriginalDatagrams(bool acrossVeth)
    {
        using var a = new TestNamespace();
        using var b = new TestNamespace();
        IPAddress serverAddress = IPAddress.Loopback;
        TestNamespace serverNs = a;
        if (acrossVeth)
        {
            a.Ip("link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b.Name);
            a.Ip("addr", "add", "10.99.0.1/24", "dev", "va");
            a.Ip("link", "set", "va", "up");
            b.Ip("addr", "add", "10.99.0.2/24", "dev", "vb");
            b.Ip("link", "set", "vb", "up");
            serverAddress = IPAddress.Parse("10.99.0.2");
            serverNs = b;
        }
        using var server = serverNs.Run(() => new UdpTransport(new IPEndPoint(serverAddress, 0)));
        using var client = a.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Any, 0)));
        Assert.True(client.GsoEnabled);
        SwitchOnGro(server, client, server.LocalEndPoint.Serialize());
        const int offset = 8;
        // 30 full-size datagrams, a short one that ends the GSO run, then 9 more full-size.
        int[] sizes = [.. Enumerable.Range(0, 40).Select(i => i == 30 ? 77 : 1200)];
        byte[][] bufs = [.. sizes.Select((size, i) => { var p = new byte[offset + 1500]; p.AsSpan(offset, size).Fill((byte)i); return p; })];
        Assert.Equal(40, client.SendBatch(bufs, sizes, offset, server.LocalEndPoint.Serialize()));
        Assert.True(client.GsoEnabled, "the kernel refused UDP GSO");

        byte[][] inBufs = [.. Enumerable.Range(0, 64).Select(_ => new byte[2048])];
        int[] inSizes = new int[64];
        SocketAddress[] from = [.. Enumerable.Range(0, 64).Select(_ => server.CreateSocketAddress())];
        int received = 0;
        while (received < 40)
        {
            int n = server.ReceiveBatch(inBufs.AsSpan(received), inSizes.AsSpan(received), from[received..], 0);
            Assert.True(n > 0);
            received += n;
        }
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(sizes[i], inSizes[i]);
            Assert.True(inBufs[i].AsSpan(0, sizes[i]).IndexOfAnyExcept((byte)i) < 0, $"datagram {i} corrupted");
        }
    }

    /// <summary>
    /// UDP GRO is switched on by the first batch receive that brings <see cref="UdpTransport.GroSwitchOnBatch"/>
    /// datagrams (bulk traffic), so a test of coalesced datagrams first sends such a batch. Fewer, or single
    /// receives, leave it off.
    /// </summary>
    private static void SwitchOnGro(UdpTransport receiver, UdpTransport sender, SocketAddress? to)
    {
        Assert.False(receiver.GroEnabled);
        Assert.Equal(1, sender.SendBatch([new byte[] { 0xEE }], [1], 0, to));
        Assert.Equal(1, receiver.ReceiveFrom(new byte[16], receiver.CreateSocketAddress()));
        Assert.False(receiver.GroEnabled); // a single datagram is no bulk
        int burst = UdpTransport.GroSwitchOnBatch * 2;
        byte[][] bufs = [.. Enumerable.Range(0, burst).Select(_ => new byte[] { 0xEE })];
        Assert.Equal(burst, sender.SendBatch(bufs, [.. Enumerable.Repeat(1, burst)], 0, to));
        byte[][] inBufs = [.. Enumerable.Range(0, burst).Select(_ => new byte[16])];
        int[] inSizes = new int[burst];
        SocketAddress[] from = [.. Enumerable.Range(0, burst).Select(_ => receiver.CreateSocketAddress())];
        int received = 0;
        while (received < burst)
        {
            int n = receiver.ReceiveBatch(inBufs.AsSpan(received), inSizes.AsSpan(received), from[received..], 0);
            Assert.True(n > 0);
            received += n;
        }
        Assert.True(receiver.GroEnabled, "a full batch did not switch UDP GRO on");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void GsoBatch_OfDatagramsLargerThanTheMtu_StillArrivesFragmented(bool receiverGro)
    {
        // An OpenVPN packet of a 1500-byte TUN packet (1524 bytes + 28 of UDP/IPv4) does not fit a 1500 veth: the
        // kernel refuses GSO for it (EMSGSIZE) but IP-fragments single datagrams, so none may be lost.
        using var a = new TestNamespace();
        using var b = new TestNamespace();
        a.Ip("link", "add", "va", "type", "veth", "peer", "name", "vb", "netns", b.Name);
        a.Ip("addr", "add", "10.99.0.1/24", "dev", "va");
        a.Ip("link", "set", "va", "up");
        b.Ip("addr", "add", "10.99.0.2/24", "dev", "vb");
        b.Ip("link", "set", "vb", "up");
        using var server = b.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Parse("10.99.0.2"), 0), new UdpTransportOptions { UseGro = receiverGro }));
        using var client = a.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Any, 0)));
        Assert.True(client.GsoEnabled);
        // Two batches: 20 of 1524 bytes then 3 short ones (those may still go as one GSO run).
        for (int round = 0; round < 2; round++)
        {
            int[] sizes = [.. Enumerable.Range(0, 23).Select(i => i < 20 ? 1524 : 300)];
            byte[][] bufs = [.. sizes.Select((size, i) => { var p = new byte[1600]; p.AsSpan(0, size).Fill((byte)i); return p; })];
            Assert.Equal(23, client.SendBatch(bufs, sizes, 0, server.LocalEndPoint.Serialize()));

            byte[][] inBufs = [.. Enumerable.Range(0, 64).Select(_ => new byte[2048])];
            int[] inSizes = new int[64];
            SocketAddress[] from = [.. Enumerable.Range(0, 64).Select(_ => server.CreateSocketAddress())];
            int received = 0;
            while (received < 23)
            {
                int n = server.ReceiveBatch(inBufs.AsSpan(received), inSizes.AsSpan(received), from[received..], 0);
                Assert.True(n > 0);
                received += n;
            }
            for (int i = 0; i < 23; i++)
            {
                Assert.Equal(sizes[i], inSizes[i]);
                Assert.True(inBufs[i].AsSpan(0, sizes[i]).IndexOfAnyExcept((byte)i) < 0, $"datagram {i} corrupted");
            }
        }
        Assert.Equal(0, client.SendDrops);
    }

    [Fact]
    public void WithGro_SingleReceives_StillReturnOneDatagramEach()
    {
        using var ns = new TestNamespace();
        using var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => UdpTransport.ForClient(server.LocalEndPoint));
        SwitchOnGro(server, client, to: null);
        byte[][] bufs = [.. Enumerable.Range(0, 10).Select(i => Enumerable.Repeat((byte)i, 1000).ToArray())];
        int[] sizes = [.. Enumerable.Repeat(1000, 9), 10];
        Assert.Equal(10, client.SendBatch(bufs, sizes, 0, to: null));
        var buffer = new byte[4096];
        SocketAddress from = server.CreateSocketAddress();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(sizes[i], server.ReceiveFrom(buffer, from));
            Assert.Equal((byte)i, buffer[0]);
            Assert.Equal((byte)i, buffer[sizes[i] - 1]);
            Assert.True(PeerEndpoint.TryFrom(from, out PeerEndpoint peer));
            Assert.Equal(client.LocalEndPoint.Port, peer.Port);
        }
        // And the reply direction through the connected client's Receive.
        Assert.Equal(3, server.SendBatch(bufs.AsSpan(0, 3), sizes.AsSpan(0, 3), 0, client.LocalEndPoint.Serialize()));
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1000, client.Receive(buffer));
            Assert.Equal((byte)i, buffer[999]);
        }
    }

    [Fact]
    public void Dispose_UnblocksBlockedReceivers()
    {
        using var ns = new TestNamespace();
        var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        int single = 99;
        int batch = 99;
        var t1 = new Thread(() => single = server.ReceiveFrom(new byte[100], server.CreateSocketAddress()));
        var t2 = new Thread(() => batch = server.ReceiveBatch([new byte[100]], new int[1], [server.CreateSocketAddress()], 0));
        t1.Start();
        t2.Start();
        Thread.Sleep(200);
        server.Dispose();
        Assert.True(t1.Join(2000) && t2.Join(2000), "receiver still blocked after Dispose");
        Assert.Equal(-1, single);
        Assert.Equal(-1, batch);
    }

    [Fact]
    public void ConnectedClient_SurvivesIcmpPortUnreachable()
    {
        // Nothing listens on the port: the kernel answers with ICMP and reports ECONNREFUSED later.
        using var ns = new TestNamespace();
        using var client = ns.Run(() => UdpTransport.ForClient(new IPEndPoint(IPAddress.Loopback, 9)));
        for (int i = 0; i < 5; i++)
        {
            client.Send("ping"u8);
            Thread.Sleep(10);
        }
        var result = 99;
        var reader = new Thread(() => result = client.Receive(new byte[100]));
        reader.Start();
        Thread.Sleep(200);
        Assert.True(reader.IsAlive, "an ICMP error must not end the receive loop");
        client.Dispose();
        Assert.True(reader.Join(2000));
        Assert.Equal(0, result);
    }

    [Fact]
    public void BufferSizes_AreRaised()
    {
        using var t = new UdpTransport(new IPEndPoint(IPAddress.Any, 0), new UdpTransportOptions { ReceiveBufferSize = 4 << 20, SendBufferSize = 4 << 20 });
        // Linux reports double the requested value; as root SO_RCVBUFFORCE bypasses rmem_max.
        Assert.True(t.ReceiveBufferSize >= 4 << 20, $"SO_RCVBUF is {t.ReceiveBufferSize}");
        Assert.True(t.SendBufferSize >= 4 << 20, $"SO_SNDBUF is {t.SendBufferSize}");
    }

    [Fact]
    public void Bind_PortInUse_ThrowsSocketExceptionNamingTheAddress()
    {
        using var ns = new TestNamespace();
        ns.Run(() =>
        {
            using var first = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
            var error = Assert.Throws<SocketException>(() => new UdpTransport(first.LocalEndPoint));
            Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
            Assert.Contains($"Cannot bind UDP {first.LocalEndPoint}", error.Message, StringComparison.Ordinal);
            return 0;
        });
    }

    [Fact]
    public void ForClient_IPv4RemoteOnDualStackWildcard_ConnectsAndOnlyHearsTheServer()
    {
        using var ns = new TestNamespace();
        ns.Run(() =>
        {
            using var server = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
            using var stranger = new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0));
            using UdpTransport client = UdpTransport.ForClient(server.LocalEndPoint, new IPEndPoint(IPAddress.IPv6Any, 0));
            Assert.Equal(AddressFamily.InterNetworkV6, client.AddressFamily);
            Assert.NotEqual(0, client.LocalEndPoint.Port);
            Assert.Equal(server.LocalEndPoint, client.RemoteEndPoint);

            Assert.True(client.SendTo("hi"u8, server.LocalEndPoint.Serialize()));
            var buffer = new byte[64];
            SocketAddress from = server.CreateSocketAddress();
            Assert.Equal(2, server.ReceiveFrom(buffer, from));
            Assert.True(PeerEndpoint.TryFrom(from, out PeerEndpoint peer));
            Assert.Equal(client.LocalEndPoint.Port, peer.ToIPEndPoint().Port);

            // Connected: a datagram from another address is not delivered, the server's is.
            SocketAddress clientAddress = peer.ToSocketAddress(AddressFamily.InterNetwork);
            Assert.True(stranger.SendTo("no"u8, clientAddress));
            Assert.True(server.SendTo("ok"u8, clientAddress));
            Assert.True(client.WaitReadable(2000));
            int n = client.ReceiveFrom(buffer, client.CreateSocketAddress());
            Assert.Equal("ok", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
            Assert.False(client.WaitReadable(100));
            return 0;
        });
    }

    private static int CountUntilQuiet(UdpTransport server, byte[][] bufs, int[] sizes, SocketAddress[] from, int offset)
    {
        int total = 0;
        var deadline = DateTime.UtcNow.AddSeconds(2);
        while (DateTime.UtcNow < deadline && server.WaitReadable(200))
        {
            total += server.ReceiveBatch(bufs, sizes, from, offset);
        }
        return total;
    }
}
