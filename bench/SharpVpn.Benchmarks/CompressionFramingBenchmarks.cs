using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>Framing cost per packet for the 2.4-era <c>comp-lzo</c> config (0xFA prefix in, LZO out).</summary>
[MemoryDiagnoser]
public class CompressionFramingBenchmarks
{
    private readonly byte[] _buffer = new byte[2048];
    private readonly byte[] _framed = new byte[2048];
    private readonly byte[] _decompressed = new byte[2048];
    private readonly CompressionFraming _lzo = new(CompressionFramingMode.Lzo);

    [GlobalSetup]
    public void Setup()
    {
        _framed[0] = CompressionFraming.NoCompressByte;
        _framed[1] = 0x45;
    }

    [Benchmark]
    public int FrameInPlace() => _lzo.FrameInPlace(_buffer, 32, BenchKeys.PacketSize, out _);

    [Benchmark]
    public int UnframeUncompressed() => _lzo.Unframe(_framed.AsSpan(0, BenchKeys.PacketSize + 1), _decompressed, out Span<byte> p) == UnframeResult.Ok ? p.Length : -1;
}
