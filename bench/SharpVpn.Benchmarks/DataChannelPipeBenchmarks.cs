using System.Reflection;
using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Benchmarks;

/// <summary>
/// The runtime's per-packet data path, DataChannelPipe.Seal / Open, around a 1420-byte IPv4/UDP packet
/// (mssfix check, framing, key lookup by key_id, encrypt / decrypt + replay window, counters, activity stamps).
/// Client pipe seals P_DATA_V2 (peer-id 7), server pipe opens.
/// </summary>
[MemoryDiagnoser]
public class DataChannelPipeBenchmarks
{
    private readonly byte[] _plain = new byte[DataPathLayout.Headroom + BenchKeys.PacketSize + 1];
    private readonly byte[] _wire = new byte[BenchKeys.PacketSize + DataPathLayout.MaxCryptoOverhead];
    private readonly byte[] _bad = new byte[BenchKeys.PacketSize + DataPathLayout.MaxCryptoOverhead];
    private readonly byte[] _scratch = new byte[2048];
    private readonly byte[] _decompress = new byte[2048];
    private DataChannelKey _clientKey = null!;
    private DataChannelKey _serverKey = null!;
    private DataChannelPipe _client = null!;
    private DataChannelPipe _server = null!;
    private int _badLength;

    [Params("AES-256-GCM", "CHACHA20-POLY1305")]
    public string Cipher { get; set; } = "AES-256-GCM";

    [GlobalSetup]
    public void Setup()
    {
        (_clientKey, _serverKey) = BenchKeys.Pair(Cipher);
        _client = new DataChannelPipe(SessionWithKeys(_clientKey, null, 7), CompressionFramingMode.None);
        _server = new DataChannelPipe(SessionWithKeys(null, _serverKey, -1), CompressionFramingMode.None);
        // IPv4/UDP 10.8.0.2 -> 10.0.0.10, total length 1420 (MSS clamp leaves non-TCP packets alone).
        Span<byte> ip = _plain.AsSpan(DataPathLayout.Headroom, BenchKeys.PacketSize);
        ip[0] = 0x45;
        ip[2] = BenchKeys.PacketSize >> 8;
        ip[3] = BenchKeys.PacketSize & 0xFF;
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10; ip[13] = 8; ip[14] = 0; ip[15] = 2;
        ip[16] = 10; ip[17] = 0; ip[18] = 0; ip[19] = 10;
        _badLength = _client.Seal(_plain, DataPathLayout.Headroom, BenchKeys.PacketSize, _bad);
        _bad[_badLength - 1] ^= 0x01;
        if (SealThenOpen() != InboundData.TunPacket || RejectWrongTag() == InboundData.TunPacket)
        {
            throw new InvalidOperationException("pipe setup");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _clientKey.Dispose();
        _serverKey.Dispose();
    }

    /// <summary>TUN → link: one packet sealed.</summary>
    [Benchmark]
    public int Seal() => _client.Seal(_plain, DataPathLayout.Headroom, BenchKeys.PacketSize, _wire);

    /// <summary>TUN → link on the client, link → TUN on the server (Open needs a fresh packet-id each time).</summary>
    [Benchmark]
    public InboundData SealThenOpen()
    {
        int n = _client.Seal(_plain, DataPathLayout.Headroom, BenchKeys.PacketSize, _wire);
        return _server.Open(_wire.AsSpan(0, n), _scratch, _decompress, out _);
    }

    /// <summary>A forged data packet (wrong tag): dropped and counted.</summary>
    [Benchmark]
    public InboundData RejectWrongTag() => _server.Open(_bad.AsSpan(0, _badLength), _scratch, _decompress, out _);

    // A TunnelSession gets keys only from a TLS handshake; the pipe reads just the current encrypt key, the
    // decrypt slots and the peer-id, so those are set on an otherwise empty session.
    private static TunnelSession SessionWithKeys(DataChannelKey? encrypt, DataChannelKey? decrypt, int peerId)
    {
        var session = (TunnelSession)RuntimeHelpers.GetUninitializedObject(typeof(TunnelSession));
        var decryptKeys = new DataChannelKey?[8];
        decryptKeys[0] = decrypt;
        SetField(session, "_encryptKey", encrypt);
        SetField(session, "_decryptKeys", decryptKeys);
        SetField(session, "_dataPeerId", peerId);
        return session;
    }

    private static void SetField(object target, string name, object? value) =>
        (target.GetType().GetField(name, BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"TunnelSession.{name} not found")).SetValue(target, value);
}
