using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>AEAD seal/open of 1420-byte packets (P_DATA_V2 with peer-id), per packet.</summary>
[MemoryDiagnoser]
public class AeadBenchmarks
{
    private readonly byte[] _payload = new byte[BenchKeys.PacketSize];
    private readonly byte[] _wire = new byte[2048];
    private readonly byte[] _plain = new byte[2048];
    private readonly byte[] _sealed = new byte[2048];
    private DataChannelKey _client = null!;
    private DataChannelKey _server = null!;
    private AeadOpener _opener = null!;
    private int _sealedLength;
    private long _now;

    [Params("AES-256-GCM", "CHACHA20-POLY1305")]
    public string Cipher { get; set; } = "AES-256-GCM";

    [GlobalSetup]
    public void Setup()
    {
        (_client, _server) = BenchKeys.Pair(Cipher);
        _sealedLength = _client.Encrypt(_payload, _sealed, 7);
        _opener = _server.AeadOpenerForBench!;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
    }

    /// <summary>DataChannelKey.Encrypt: header, packet-id, AEAD seal.</summary>
    [Benchmark]
    public int Seal() => _client.Encrypt(_payload, _wire, 7);

    /// <summary>Tag check + decrypt of one packet (the crypto part of Decrypt, without the replay window).</summary>
    [Benchmark]
    public DataDecryptResult Open() => _opener.Open(_sealed.AsSpan(0, _sealedLength), 4, true, _plain, out _, out _);

    /// <summary>Full public path: Encrypt on one key, Decrypt (header, tag, replay window, counters) on the peer.</summary>
    [Benchmark]
    public DataDecryptResult SealThenDecrypt()
    {
        int n = _client.Encrypt(_payload, _wire, 7);
        return _server.Decrypt(_wire.AsSpan(0, n), _plain, ++_now, out _);
    }
}
