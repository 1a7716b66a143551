using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Benchmarks;

/// <summary>
/// The user-space halves of TUN offload, per packet (OperationsPerInvoke = segments of one batch):
/// <see cref="TunWriteBatch"/> merging 32 decrypted in-order TCP segments into one super-segment (the write
/// goes to a device that discards it, so this is the merge + header/checksum work alone), and
/// <see cref="TunOffload.Split"/> cutting a TSO super-segment read from the TUN into MTU-sized packets with
/// their checksums completed.
/// </summary>
[MemoryDiagnoser]
public class TunOffloadBenchmarks
{
    private const int Segments = 32;
    private const int Mss = 1348;

    private readonly TunWriteBatch _batch = new(Segments);
    private readonly DiscardTun _tun = new();
    private byte[][] _segments = null!;
    private byte[] _super = null!;
    private TunOffload.VirtioNetHeader _superHeader;
    private byte[][] _outputs = null!;
    private int[] _sizes = null!;

    [GlobalSetup(Target = nameof(SplitTsoRead))]
    public void Setup()
    {
        _segments = new byte[Segments][];
        for (int i = 0; i < Segments; i++)
        {
            _segments[i] = Segment(1000 + (uint)(i * Mss), Mss);
        }

        // A TSO super-segment as the kernel hands it over: 48 segments' payload behind one header, checksum partial.
        _super = Segment(1000, 48 * Mss);
        _superHeader = new TunOffload.VirtioNetHeader(TunOffload.NeedsChecksum, TunOffload.GsoTcpV4, 52, Mss, 20, 16);
        _outputs = [.. Enumerable.Range(0, 64).Select(_ => new byte[2048])];
        _sizes = new int[64];
    }

    [Benchmark(OperationsPerInvoke = Segments)]
    public long MergeAndWrite()
    {
        for (int i = 0; i < Segments; i++)
        {
            _batch.Add(_tun, _segments[i]);
        }
        _batch.Flush(_tun);
        return _batch.SuperSegments;
    }

    /// <summary>Fails the setup if the segments do not merge (the benchmark would then measure something else).</summary>
    [GlobalSetup(Target = nameof(MergeAndWrite))]
    public void SetupMerge()
    {
        Setup();
        MergeAndWrite();
        if (_batch.SuperSegments != 1)
        {
            throw new InvalidOperationException("The benchmark's segments did not merge into one super-segment.");
        }
    }

    [Benchmark(OperationsPerInvoke = 48)]
    public int SplitTsoRead() => TunOffload.Split(_superHeader, _super, 0, _outputs, _sizes, 0, out _);

    private static byte[] Segment(uint seq, int payload)
    {
        byte[] p = new byte[52 + payload];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)Math.Min(p.Length, 65535));
        p[6] = 0x40;
        p[8] = 64;
        p[9] = 6;
        new byte[] { 10, 8, 0, 6, 192, 168, 1, 1 }.CopyTo(p, 12);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(24), seq);
        p[32] = 8 << 4; // 32-byte TCP header (timestamps)
        p[33] = 0x10;
        p[40] = 1;
        p[41] = 1;
        p[42] = 8;
        p[43] = 10;
        if (p.Length <= 65535)
        {
            // Valid checksums, as a sender's segments have (the merge checks the TCP one).
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), TunOffload.Finish(TunOffload.Sum(p.AsSpan(0, 20), 0)));
            uint pseudo = TunOffload.Sum(p.AsSpan(12, 8), 0) + 6 + (uint)(p.Length - 20);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(36), TunOffload.Finish(TunOffload.Sum(p.AsSpan(20), pseudo)));
        }
        return p;
    }

    private sealed class DiscardTun : ITunDevice
    {
        public string Name => "discard";

        public bool OffloadEnabled => true;

        public int Read(Span<byte> packet) => 0;

        public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset) => 0;

        public bool Write(ReadOnlySpan<byte> packet) => true;

        public bool WriteOffloaded(in TunOffload.VirtioNetHeader header, ReadOnlySpan<byte> packet) => true;

        public int Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset) => sizes.Length;

        public void Dispose()
        {
        }
    }
}
