using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// The batch reads skip the system call that would only say EAGAIN (TUN: poll first after a drained batch; UDP GRO:
/// no non-blocking refill after a recvmmsg that was not full). These check that sparse packets, a packet arriving
/// while the reader waits, and bursts after sparse traffic all still arrive, whole and in order.
/// </summary>
[Trait("Category", "Interop")]
public sealed class SparseReadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TunBatchRead_SparseThenWaitingThenBurst_DeliversEveryPacketInOrder(bool offload)
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svsr%d", multiQueue: false, offload));
        ns.Ip("addr", "add", "10.79.0.1/24", "dev", tun.Name);
        ns.Ip("link", "set", tun.Name, "up");
        using UdpClient udp = ns.Run(() => new UdpClient(new IPEndPoint(IPAddress.Parse("10.79.0.1"), 0)));
        var target = new IPEndPoint(IPAddress.Parse("10.79.0.9"), 9999);
        const int offset = 16;
        byte[][] bufs = [.. Enumerable.Range(0, 32).Select(_ => new byte[offset + 1600])];
        int[] sizes = new int[32];
        int next = 0;

        void ExpectUdp(int count)
        {
            var sw = Stopwatch.StartNew();
            int seen = 0;
            while (seen < count)
            {
                Assert.True(sw.ElapsedMilliseconds < 5000, $"only {seen} of {count} datagrams read");
                int n = tun.Read(bufs, sizes, offset);
                Assert.True(n >= 1);
                for (int i = 0; i < n; i++)
                {
                    if (bufs[i][offset] >> 4 == 4 && bufs[i][offset + 9] == 17)
                    {
                        Assert.Equal((byte)next, bufs[i][offset + 28]);
                        next++;
                        seen++;
                    }
                }
            }
        }

        // Sparse: one at a time, each read drains the queue (the next read then polls first).
        for (int i = 0; i < 5; i++)
        {
            udp.Send([(byte)next], target);
            ExpectUdp(1);
        }
        // One that arrives while the reader is blocked.
        var sender = new Thread(() =>
        {
            Thread.Sleep(150);
            udp.Send([(byte)next], target);
        });
        sender.Start();
        var waited = Stopwatch.StartNew();
        ExpectUdp(1);
        Assert.True(waited.ElapsedMilliseconds >= 100, "the read returned before the packet was sent");
        sender.Join();
        // A burst larger than one batch right after sparse traffic.
        int burstStart = next;
        for (int i = 0; i < 40; i++)
        {
            udp.Send([(byte)(burstStart + i)], target);
        }
        ExpectUdp(40);
    }

    [Fact]
    public void GroBatchReceive_SparseThenWaitingThenBurst_DeliversEveryDatagramInOrder()
    {
        using var ns = new TestNamespace();
        using var server = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0)));
        using var client = ns.Run(() => UdpTransport.ForClient(server.LocalEndPoint));
        byte[][] inBufs = [.. Enumerable.Range(0, 32).Select(_ => new byte[2048])];
        int[] inSizes = new int[32];
        SocketAddress[] from = [.. Enumerable.Range(0, 32).Select(_ => server.CreateSocketAddress())];
        int next = 0;

        void Send(int count, int size)
        {
            byte[][] bufs = [.. Enumerable.Range(0, count).Select(i => Enumerable.Repeat((byte)(next + i), size).ToArray())];
            Assert.Equal(count, client.SendBatch(bufs, [.. Enumerable.Repeat(size, count)], 0, to: null));
        }

        void Expect(int count, int size)
        {
            int seen = 0;
            while (seen < count)
            {
                int n = server.ReceiveBatch(inBufs, inSizes, from, 0);
                Assert.True(n >= 1);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(size, inSizes[i]);
                    Assert.True(inBufs[i].AsSpan(0, size).IndexOfAnyExcept((byte)next) < 0, $"datagram {next} corrupted");
                    next++;
                    seen++;
                }
            }
            Assert.Equal(count, seen);
        }

        for (int i = 0; i < 5; i++)
        {
            Send(1, 100);
            Expect(1, 100);
        }
        Assert.False(server.GroEnabled); // sparse traffic: UDP GRO stays off
        Send(UdpTransport.GroSwitchOnBatch * 2, 100);
        Expect(UdpTransport.GroSwitchOnBatch * 2, 100);
        Assert.True(server.GroEnabled); // switched on by the burst
        var sender = new Thread(() =>
        {
            Thread.Sleep(150);
            Send(1, 100);
        });
        sender.Start();
        var waited = Stopwatch.StartNew();
        Expect(1, 100);
        Assert.True(waited.ElapsedMilliseconds >= 100, "the receive returned before the datagram was sent");
        sender.Join();
        // 3 GSO runs of 60 equal datagrams: the kernel may coalesce them (GRO), more than one recvmmsg holds.
        for (int run = 0; run < 3; run++)
        {
            Send(60, 1000);
            Expect(60, 1000);
        }
        Assert.Equal(0, client.SendDrops);
    }
}
