using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>Replay-window check + update per packet.</summary>
[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    private ReplayWindow _inOrder = null!;
    private ReplayWindow _reordered = null!;
    private uint _next;
    private uint _base;

    [GlobalSetup]
    public void Setup()
    {
        _inOrder = new ReplayWindow();
        _reordered = new ReplayWindow();
        _next = 0;
        _base = 0;
    }

    /// <summary>The common case: each packet is highest + 1.</summary>
    [Benchmark]
    public bool InOrder() => _inOrder.CheckAndUpdate(++_next, 0);

    /// <summary>Pairs swapped (2,1,4,3,...): every other packet fills a hole in the window.</summary>
    [Benchmark]
    public bool Reordered()
    {
        _base++;
        uint id = (_base & 1) == 1 ? _base + 1 : _base - 1;
        return _reordered.CheckAndUpdate(id, 0);
    }
}
