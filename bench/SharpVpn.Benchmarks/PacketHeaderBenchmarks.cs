using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>Data-packet header parse (opcode, key_id, peer-id) as the receive loop does per datagram.</summary>
[MemoryDiagnoser]
public class PacketHeaderBenchmarks
{
    private readonly byte[] _v2 = [0x48, 0x00, 0x00, 0x07, 0, 0, 0, 1];
    private readonly byte[] _v1 = [0x31, 0, 0, 0, 1];

    [Benchmark]
    public int ParseV2() => DataPacketHeader.TryParse(_v2, out int keyId, out int peerId, out int len) ? keyId + peerId + len : -1;

    [Benchmark]
    public int ParseV1() => DataPacketHeader.TryParse(_v1, out int keyId, out int peerId, out int len) ? keyId + peerId + len : -1;
}
