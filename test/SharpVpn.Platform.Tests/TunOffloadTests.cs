using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using SharpVpn.Platform.Tun;
using Xunit.Abstractions;

namespace SharpVpn.Platform.Tests;

public sealed class TunOffloadSplitTests
{
    [Fact]
    public void TcpV4SuperSegment_IsCutIntoValidSegments()
    {
        // 20-byte IPv4 + 20-byte TCP + 2500 bytes of payload, MSS 1000 -> 1000, 1000, 500.
        byte[] super = new byte[40 + 2500];
        super[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(super.AsSpan(2), (ushort)super.Length);
        BinaryPrimitives.WriteUInt16BigEndian(super.AsSpan(4), 0x1234);
        super[8] = 64;
        super[9] = 6;
        IPAddress.Parse("10.1.0.1").TryWriteBytes(super.AsSpan(12), out _);
        IPAddress.Parse("10.1.0.2").TryWriteBytes(super.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt32BigEndian(super.AsSpan(24), 1000);
        super[32] = 0x50;
        super[33] = 0x18 | 0x01 | 0x80; // ACK PSH FIN CWR
        for (int i = 40; i < super.Length; i++)
        {
            super[i] = (byte)i;
        }
        var header = new TunOffload.VirtioNetHeader(TunOffload.NeedsChecksum, TunOffload.GsoTcpV4, 40, 1000, 20, 16);
        byte[][] outs = [new byte[1600], new byte[1600], new byte[1600]];
        int[] sizes = new int[3];
        Assert.Equal(3, TunOffload.Split(header, super, 0, outs, sizes, 0, out int count));
        Assert.Equal(3, count);
        Assert.Equal([1040, 1040, 540], sizes);
        for (int s = 0; s < 3; s++)
        {
            Span<byte> p = outs[s].AsSpan(0, sizes[s]);
            Assert.Equal(sizes[s], BinaryPrimitives.ReadUInt16BigEndian(p[2..]));
            Assert.Equal(0x1234 + s, BinaryPrimitives.ReadUInt16BigEndian(p[4..]));
            Assert.Equal(0, TunOffload.Finish(TunOffload.Sum(p[..20], 0))); // IP header checksum verifies
            Assert.Equal(1000u + (uint)(s * 1000), BinaryPrimitives.ReadUInt32BigEndian(p[24..]));
            byte flags = p[33];
            Assert.Equal(s == 2, (flags & 0x01) != 0); // FIN only on the last
            Assert.Equal(s == 2, (flags & 0x08) != 0); // PSH only on the last
            Assert.Equal(s == 0, (flags & 0x80) != 0); // CWR only on the first
            // TCP checksum verifies over pseudo header + segment.
            uint pseudo = TunOffload.Sum(p.Slice(12, 8), 0) + 6 + (uint)(sizes[s] - 20);
            Assert.Equal(0, TunOffload.Finish(TunOffload.Sum(p[20..], pseudo)));
            Assert.Equal((byte)(40 + (s * 1000)), p[40]);
        }
        // Resuming with fewer outputs continues where it stopped.
        Assert.Equal(1, TunOffload.Split(header, super, 2, outs.AsSpan(0, 1), sizes, 0, out _));
        Assert.Equal(540, sizes[0]);
    }

    [Fact]
    public void Garbage_IsRefused()
    {
        var header = new TunOffload.VirtioNetHeader(0, TunOffload.GsoTcpV4, 0, 1000, 20, 16);
        Assert.Equal(-1, TunOffload.Split(header, new byte[30], 0, [new byte[100]], new int[1], 0, out _));
        Assert.Equal(-1, TunOffload.Split(header with { GsoType = TunOffload.GsoUdp }, new byte[100], 0, [new byte[100]], new int[1], 0, out _));
    }
}

/// <summary>
/// Two namespaces joined only through two TUN devices and a relay in this process (read from one,
/// write to the other): a TCP transfer across it must arrive intact, with and without offloads.
/// With offloads the kernel hands over TSO super-segments that the reads split and checksum; any
/// error there would make the receiving kernel drop segments and stall or corrupt the transfer.
/// </summary>
[Trait("Category", "Interop")]
public sealed class TunRelayTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void TcpTransfer_AcrossATunRelay_ArrivesIntact(bool offload, bool mergeWrites)
    {
        using var left = new TestNamespace();
        using var right = new TestNamespace();
        using TunDevice a = left.Run(() => TunDevice.Open("svra%d", false, offload));
        using TunDevice b = right.Run(() => TunDevice.Open("svrb%d", false, offload));
        Assert.Equal(offload, a.OffloadEnabled);
        left.Ip("addr", "add", "10.1.0.1", "peer", "10.1.0.2", "dev", a.Name);
        left.Ip("link", "set", a.Name, "mtu", "1420", "up");
        right.Ip("addr", "add", "10.1.0.2", "peer", "10.1.0.1", "dev", b.Name);
        right.Ip("link", "set", b.Name, "mtu", "1420", "up");

        var batches = new TunWriteBatch[] { new(), new() };
        Thread ab = Relay(a, b, mergeWrites ? batches[0] : null);
        Thread ba = Relay(b, a, mergeWrites ? batches[1] : null);

        const int total = 64 * 1024 * 1024;
        using Socket listener = right.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse("10.1.0.2"), 5001));
            s.Listen();
            return s;
        });
        byte[] expectedHash = [];
        byte[] actualHash = [];
        long received = 0;
        var receiver = new Thread(() =>
        {
            using Socket conn = listener.Accept();
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buf = new byte[256 * 1024];
            int n;
            while ((n = conn.Receive(buf)) > 0)
            {
                hash.AppendData(buf, 0, n);
                received += n;
            }
            actualHash = hash.GetHashAndReset();
        });
        receiver.Start();
        var clock = Stopwatch.StartNew();
        using (Socket client = left.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)))
        {
            client.Connect(new IPEndPoint(IPAddress.Parse("10.1.0.2"), 5001));
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var chunk = new byte[256 * 1024];
            var rng = new Random(42);
            for (int sent = 0; sent < total; sent += chunk.Length)
            {
                rng.NextBytes(chunk);
                hash.AppendData(chunk);
                client.Send(chunk);
            }
            expectedHash = hash.GetHashAndReset();
            client.Shutdown(SocketShutdown.Send);
            Assert.True(receiver.Join(60_000), "transfer stalled");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        output.WriteLine($"offload={offload} merge={mergeWrites}: {total / 1048576} MiB in {seconds:F2} s = {total * 8 / seconds / 1e9:F2} Gbit/s through the TUN relay; dropped {a.Dropped + b.Dropped}, TSO super-segments read {a.SuperPacketsRead + b.SuperPacketsRead}, merged segments written {batches[0].SuperSegments + batches[1].SuperSegments} ({batches[0].Written + batches[1].Written} packets, {batches[0].Dropped + batches[1].Dropped} dropped)");
        Assert.Equal(total, received);
        Assert.Equal(expectedHash, actualHash);
        if (mergeWrites)
        {
            // The data direction arrives in runs of in-order segments (the TSO read splits 64 KB sends), so merging must happen.
            Assert.True(batches[0].SuperSegments > 0, "no TCP segments were merged into a super-segment");
            Assert.Equal(0, batches[0].Dropped + batches[1].Dropped);
        }

        a.Dispose();
        b.Dispose();
        Assert.True(ab.Join(2000) && ba.Join(2000));
    }

    [Trait("Category", "Perf")]
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void Iperf3_AcrossATunRelay(bool offload, bool mergeWrites)
    {
        using var left = new TestNamespace();
        using var right = new TestNamespace();
        using TunDevice a = left.Run(() => TunDevice.Open("svia%d", false, offload));
        using TunDevice b = right.Run(() => TunDevice.Open("svib%d", false, offload));
        left.Ip("addr", "add", "10.1.0.1", "peer", "10.1.0.2", "dev", a.Name);
        left.Ip("link", "set", a.Name, "mtu", "1420", "up");
        right.Ip("addr", "add", "10.1.0.2", "peer", "10.1.0.1", "dev", b.Name);
        right.Ip("link", "set", b.Name, "mtu", "1420", "up");
        var batch = new TunWriteBatch();
        Relay(a, b, mergeWrites ? batch : null);
        Relay(b, a, mergeWrites ? new TunWriteBatch() : null);
        using Process server = right.Start("iperf3", "-s", "-1", "-B", "10.1.0.2");
        Thread.Sleep(300);
        CommandResult client = left.Runner.Run("iperf3", ["-c", "10.1.0.2", "-t", "3", "-f", "m"]);
        server.WaitForExit(5000);
        string summary = client.StandardOutput.Split('\n').LastOrDefault(l => l.Contains("receiver", StringComparison.Ordinal)) ?? client.StandardError;
        output.WriteLine($"offload={offload} merge={mergeWrites}: {summary.Trim()}; TSO super-segments read {a.SuperPacketsRead}, merged segments written {batch.SuperSegments}");
        Assert.True(client.Succeeded, client.StandardOutput + client.StandardError);
    }

    private static Thread Relay(TunDevice from, TunDevice to, TunWriteBatch? batch)
    {
        var thread = new Thread(() =>
        {
            byte[][] bufs = [.. Enumerable.Range(0, 64).Select(_ => new byte[2048])];
            int[] sizes = new int[64];
            while (true)
            {
                int n = from.Read(bufs, sizes, 0);
                if (n == 0)
                {
                    return;
                }
                try
                {
                    if (batch is null)
                    {
                        to.Write(bufs, sizes.AsSpan(0, n), 0);
                        continue;
                    }
                    for (int i = 0; i < n; i++)
                    {
                        batch.Add(to, bufs[i].AsSpan(0, sizes[i]));
                    }
                    batch.Flush(to);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }) { IsBackground = true };
        thread.Start();
        return thread;
    }
}

public sealed class InternetChecksumTests
{
    /// <summary>The fast sum against RFC 1071's definition (16-bit big-endian words, odd byte padded), every length and offset.</summary>
    [Fact]
    public void Sum_EqualsTheRfc1071Definition_ForEveryLengthAndAlignment()
    {
        var rng = new Random(1071);
        byte[] data = new byte[1600];
        rng.NextBytes(data);
        Array.Fill(data, (byte)0xFF, 1000, 200); // runs of ones exercise the end-around carry
        for (int offset = 0; offset < 8; offset++)
        {
            for (int length = 0; length <= 1500; length += length < 80 ? 1 : 37)
            {
                ReadOnlySpan<byte> span = data.AsSpan(offset, length);
                uint initial = (uint)rng.Next(0, 0x3FFFF);
                Assert.Equal(Reference(span, initial), TunOffload.Sum(span, initial));
            }
        }
    }

    [Theory]
    [InlineData(65535, 0xFF)]
    [InlineData(65534, 0xFF)]
    [InlineData(60001, 0xA5)]
    public void Sum_OfSuperSegmentSizes_EqualsTheDefinition(int length, byte fill)
    {
        byte[] data = new byte[length];
        Array.Fill(data, fill);
        data[7] = 0x01;
        Assert.Equal(Reference(data, 0x1FFFE), TunOffload.Sum(data, 0x1FFFE));
    }

    private static uint Reference(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial;
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (uint)(data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0u);
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (uint)sum;
    }
}
