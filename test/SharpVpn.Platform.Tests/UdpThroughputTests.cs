using System.Diagnostics;
using System.Net;
using SharpVpn.Platform.Transport;
using Xunit.Abstractions;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// Loopback UDP packet rate inside a test namespace: one sender thread, one receiver thread,
/// 1400-byte datagrams, one datagram per call vs batches of 32 with GSO/GRO. A measurement, not a
/// timed assertion: it prints the figures and asserts only that every mode carries datagrams.
/// </summary>
[Trait("Category", "Perf")]
public sealed class UdpThroughputTests(ITestOutputHelper output)
{
    private const int Size = 1400;

    [Fact]
    public void LoopbackRate_IsMeasuredForEachSendMode()
    {
        using var ns = new TestNamespace();
        double single = Measure(ns, batch: false, gso: false, gro: false);
        double mmsg = Measure(ns, batch: true, gso: false, gro: false);
        double gsoGro = Measure(ns, batch: true, gso: true, gro: true);
        output.WriteLine($"single sendto/recvfrom : {single,12:N0} datagrams/s");
        output.WriteLine($"sendmmsg/recvmmsg x32  : {mmsg,12:N0} datagrams/s");
        output.WriteLine($"  + UDP GSO and GRO    : {gsoGro,12:N0} datagrams/s ({gsoGro * Size * 8 / 1e9:F2} Gbit/s)");
        Assert.True(single > 0 && mmsg > 0 && gsoGro > 0, "a send mode carried no datagrams");
    }

    private static double Measure(TestNamespace ns, bool batch, bool gso, bool gro)
    {
        using var rx = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), new UdpTransportOptions { UseGro = gro }));
        using var tx = ns.Run(() => new UdpTransport(new IPEndPoint(IPAddress.Loopback, 0), new UdpTransportOptions { UseGso = gso, UseGro = false }));
        SocketAddress to = rx.LocalEndPoint.Serialize();
        long received = 0;
        bool stop = false;
        var sender = new Thread(() =>
        {
            byte[][] bufs = [.. Enumerable.Range(0, 32).Select(_ => new byte[Size])];
            int[] sizes = [.. Enumerable.Repeat(Size, 32)];
            while (!Volatile.Read(ref stop))
            {
                if (batch)
                {
                    tx.SendBatch(bufs, sizes, 0, to);
                }
                else
                {
                    tx.SendTo(bufs[0], to);
                }
            }
        });
        var receiver = new Thread(() =>
        {
            byte[][] bufs = [.. Enumerable.Range(0, 32).Select(_ => new byte[2048])];
            int[] sizes = new int[32];
            SocketAddress from = rx.CreateSocketAddress();
            while (true)
            {
                int n = batch ? rx.ReceiveBatch(bufs, sizes, null, 0) : rx.ReceiveFrom(bufs[0], from);
                if (n < 0)
                {
                    return;
                }
                Interlocked.Add(ref received, batch ? n : 1);
            }
        });
        receiver.Start();
        sender.Start();
        Thread.Sleep(200);
        long start = Interlocked.Read(ref received);
        var clock = Stopwatch.StartNew();
        Thread.Sleep(1000);
        long end = Interlocked.Read(ref received);
        double rate = (end - start) / clock.Elapsed.TotalSeconds;
        Volatile.Write(ref stop, true);
        sender.Join();
        rx.Dispose();
        receiver.Join();
        return rate;
    }
}
