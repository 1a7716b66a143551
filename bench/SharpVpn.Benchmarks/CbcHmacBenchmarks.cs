using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>Legacy CBC + HMAC format (2.4-era configs) seal/open of 1420-byte packets.</summary>
[MemoryDiagnoser]
public class CbcHmacBenchmarks
{
    private readonly byte[] _payload = new byte[BenchKeys.PacketSize];
    private readonly byte[] _wire = new byte[2048];
    private readonly byte[] _plain = new byte[2048];
    private DataChannelKey _client = null!;
    private DataChannelKey _server = null!;
    private long _now;

    [Params("SHA1", "SHA256")]
    public string Auth { get; set; } = "SHA1";

    [GlobalSetup]
    public void Setup() => (_client, _server) = BenchKeys.Pair("AES-256-CBC", Auth);

    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
    }

    /// <summary>Random IV, pad, AES-256-CBC, HMAC.</summary>
    [Benchmark]
    public int Seal() => _client.Encrypt(_payload, _wire, -1);

    /// <summary>Seal on one side, HMAC verify + decrypt + unpad + replay check on the other.</summary>
    [Benchmark]
    public DataDecryptResult SealThenDecrypt()
    {
        int n = _client.Encrypt(_payload, _wire, -1);
        return _server.Decrypt(_wire.AsSpan(0, n), _plain, ++_now, out _);
    }
}
