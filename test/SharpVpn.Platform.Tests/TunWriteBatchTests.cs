using System.Buffers.Binary;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// The merge rules of <see cref="TunWriteBatch"/>, checked by cutting every written super-segment back with the
/// read side's <see cref="TunOffload.Split"/> (what the kernel's TSO does) and comparing with the packets that went
/// in, byte for byte. The real-kernel proof is TunRelayTests (a SHA-256 checked TCP transfer through merged writes);
/// here a recording device shows exactly what is written, in which order.
/// </summary>
public sealed class TunWriteBatchTests
{
    private const int Mss = 1348;

    [Fact]
    public void InOrderSegmentsOfOneFlow_BecomeOneSuperSegment_ThatCutsBackIntoTheSamePackets()
    {
        var tun = new RecordingTun();
        var batch = new TunWriteBatch();
        byte[][] packets = [.. Enumerable.Range(0, 10).Select(i => Segment(seq: 1000 + (uint)(i * Mss), payload: Mss, id: (ushort)(7 + i)))];
        packets[^1] = Segment(seq: 1000 + (uint)(9 * Mss), payload: 500, id: 16, push: true);

        foreach (byte[] p in packets)
        {
            Assert.Equal(0, batch.Add(tun, p));
        }
        Assert.Empty(tun.Writes);
        Assert.Equal(0, batch.Flush(tun));

        (TunOffload.VirtioNetHeader header, byte[] bytes) = Assert.Single(tun.Writes);
        Assert.Equal(TunOffload.GsoTcpV4, header.GsoType);
        Assert.Equal(Mss, header.GsoSize);
        Assert.Equal(40 + 12, header.HeaderLength);
        Assert.Equal(packets, Cut(header, bytes));
        Assert.Equal(10, batch.Written);
        Assert.Equal(1, batch.SuperSegments);
    }

    [Fact]
    public void AGap_AFin_OrAShortSegment_EndsTheMerge_AndOrderWithinTheFlowIsKept()
    {
        var tun = new RecordingTun();
        var batch = new TunWriteBatch();
        byte[] a = Segment(seq: 0, payload: Mss, id: 1);
        byte[] b = Segment(seq: Mss, payload: 100, id: 2);            // short: ends the merge after it
        byte[] c = Segment(seq: Mss + 100, payload: Mss, id: 3);      // would follow, but b was short
        byte[] fin = Segment(seq: (2 * Mss) + 100, payload: 0, id: 4, fin: true);
        byte[] d = Segment(seq: (2 * Mss) + 101, payload: Mss, id: 5); // after the FIN: must not jump over it
        byte[] gap = Segment(seq: 50_000, payload: Mss, id: 6);

        foreach (byte[] p in new[] { a, b, c, fin, d, gap })
        {
            batch.Add(tun, p);
        }
        batch.Flush(tun);

        byte[][] written = [.. tun.Writes.SelectMany(w => Cut(w.Header, w.Bytes))];
        Assert.Equal([a, b, c, fin, d, gap], written);
        Assert.Equal(5, tun.Writes.Count); // a+b merged; c, fin, d, gap alone
    }

    [Fact]
    public void OtherTraffic_PassesUnchanged_AndTwoFlowsMergeSeparately()
    {
        var tun = new RecordingTun();
        var batch = new TunWriteBatch();
        byte[] x1 = Segment(seq: 0, payload: Mss, id: 1);
        byte[] y1 = Segment(seq: 0, payload: Mss, id: 1, sourcePort: 4000);
        byte[] x2 = Segment(seq: Mss, payload: Mss, id: 2);
        byte[] icmp = [0x45, 0, 0, 28, 0, 1, 0x40, 0, 64, 1, 0, 0, 10, 8, 0, 6, 192, 168, 1, 1, 8, 0, 0, 0, 0, 1, 0, 1];
        byte[] y2 = Segment(seq: Mss, payload: Mss, id: 2, sourcePort: 4000);
        byte[] ack = Segment(seq: 2 * Mss, payload: 0, id: 3); // pure ACK: never merged

        foreach (byte[] p in new[] { x1, y1, x2, icmp, y2, ack })
        {
            batch.Add(tun, p);
        }
        batch.Flush(tun);

        Assert.Equal(4, tun.Writes.Count);
        Assert.Equal([x1, x2], Cut(tun.Writes[0].Header, tun.Writes[0].Bytes));
        Assert.Equal([y1, y2], Cut(tun.Writes[1].Header, tun.Writes[1].Bytes));
        Assert.Equal(icmp, tun.Writes[2].Bytes);
        Assert.Equal(ack, tun.Writes[3].Bytes);
    }

    [Fact]
    public void DifferentOptionsOrAck_AreNotMerged_AndAFullBatchWritesItself()
    {
        var tun = new RecordingTun();
        var batch = new TunWriteBatch(maxPending: 2);
        byte[] a = Segment(seq: 0, payload: Mss, id: 1);
        byte[] otherTimestamp = Segment(seq: Mss, payload: Mss, id: 2, timestamp: 99);
        byte[] otherAck = Segment(seq: 2 * Mss, payload: Mss, id: 3, ack: 77);

        batch.Add(tun, a);
        batch.Add(tun, otherTimestamp);
        Assert.Empty(tun.Writes);
        batch.Add(tun, otherAck); // third item: the two pending ones are written first
        Assert.Equal(2, tun.Writes.Count);
        batch.Flush(tun);
        Assert.Equal([a, otherTimestamp, otherAck], tun.Writes.Select(w => w.Bytes).ToArray());
    }

    [Fact]
    public void ASegmentWithAWrongChecksum_IsNeverMerged_SoTheKernelStillDropsIt()
    {
        var tun = new RecordingTun();
        var batch = new TunWriteBatch();
        byte[] a = Segment(seq: 0, payload: Mss, id: 1);
        byte[] corrupt = Segment(seq: Mss, payload: Mss, id: 2);
        corrupt[100] ^= 0x01; // payload changed after the sender computed its checksum
        byte[] c = Segment(seq: 2 * Mss, payload: Mss, id: 3);

        foreach (byte[] p in new[] { a, corrupt, c })
        {
            batch.Add(tun, p);
        }
        batch.Flush(tun);

        Assert.Equal([a, corrupt, c], tun.Writes.Select(w => w.Bytes).ToArray()); // each as it came, nothing merged
        Assert.Equal(0, batch.SuperSegments);
    }

    [Fact]
    public void WithoutOffload_EveryPacketIsWrittenAtOnce()
    {
        var tun = new RecordingTun { OffloadEnabled = false };
        var batch = new TunWriteBatch();
        byte[] a = Segment(seq: 0, payload: Mss, id: 1);
        byte[] b = Segment(seq: Mss, payload: Mss, id: 2);
        batch.Add(tun, a);
        batch.Add(tun, b);
        Assert.Equal([a, b], tun.Writes.Select(w => w.Bytes).ToArray());
        Assert.All(tun.Writes, w => Assert.Equal(default, w.Header));
    }

    /// <summary>An IPv4/TCP segment 10.8.0.6:port -> 192.168.1.1:5201 with a timestamp option, checksums valid.</summary>
    private static byte[] Segment(uint seq, int payload, ushort id, bool push = false, bool fin = false,
        ushort sourcePort = 40000, uint timestamp = 12345, uint ack = 555)
    {
        const int tcpHeader = 32;
        byte[] p = new byte[20 + tcpHeader + payload];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        p[6] = 0x40; // DF
        p[8] = 63;
        p[9] = 6;
        byte[] addresses = [10, 8, 0, 6, 192, 168, 1, 1];
        addresses.CopyTo(p, 12);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), TunOffload.Finish(TunOffload.Sum(p.AsSpan(0, 20), 0)));

        Span<byte> t = p.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(t, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(t[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(t[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(t[8..], ack);
        t[12] = (tcpHeader / 4) << 4;
        t[13] = (byte)(0x10 | (push ? 0x08 : 0) | (fin ? 0x01 : 0));
        BinaryPrimitives.WriteUInt16BigEndian(t[14..], 501);
        t[20] = 1;
        t[21] = 1;
        t[22] = 8; // timestamps option
        t[23] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(t[24..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(t[28..], 777);
        for (int i = 0; i < payload; i++)
        {
            t[tcpHeader + i] = (byte)(seq + i);
        }
        uint pseudo = TunOffload.Sum(p.AsSpan(12, 8), 0) + 6 + (uint)(tcpHeader + payload);
        BinaryPrimitives.WriteUInt16BigEndian(t[16..], TunOffload.Finish(TunOffload.Sum(t, pseudo)));
        return p;
    }

    /// <summary>What the kernel's segmentation makes of a write (a plain write is itself).</summary>
    private static byte[][] Cut(TunOffload.VirtioNetHeader header, byte[] bytes)
    {
        if (header.GsoType == TunOffload.GsoNone)
        {
            return [bytes];
        }
        byte[][] outputs = [.. Enumerable.Range(0, 64).Select(_ => new byte[2048])];
        int[] sizes = new int[64];
        int n = TunOffload.Split(header, bytes, 0, outputs, sizes, 0, out int segments);
        Assert.Equal(segments, n);
        return [.. Enumerable.Range(0, n).Select(i => outputs[i].AsSpan(0, sizes[i]).ToArray())];
    }

    private sealed class RecordingTun : ITunDevice
    {
        public List<(TunOffload.VirtioNetHeader Header, byte[] Bytes)> Writes { get; } = [];

        public bool OffloadEnabled { get; init; } = true;

        public string Name => "rec0";

        public int Read(Span<byte> packet) => 0;

        public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset) => 0;

        public bool Write(ReadOnlySpan<byte> packet)
        {
            Writes.Add((default, packet.ToArray()));
            return true;
        }

        public bool WriteOffloaded(in TunOffload.VirtioNetHeader header, ReadOnlySpan<byte> packet)
        {
            Writes.Add((header, packet.ToArray()));
            return true;
        }

        public int Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset) => 0;

        public void Dispose()
        {
        }
    }
}
