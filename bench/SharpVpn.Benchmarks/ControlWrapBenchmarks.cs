using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Benchmarks;

/// <summary>
/// tls-auth (HMAC-SHA256) / tls-crypt unwrap + parse of a captured-size control packet on the server, and the reject
/// path it runs for every hostile packet (one flipped byte in the HMAC / tag). Sizes: a P_CONTROL_HARD_RESET_CLIENT_V2
/// with the early-negotiation TLV (the first packet of every peer) and a P_CONTROL_V1 with one ack and a 1200-byte
/// TLS record slice (openvpn 2.6's default tls-mtu 1250).
/// </summary>
[MemoryDiagnoser]
public class ControlWrapBenchmarks
{
    private readonly byte[] _wire = new byte[1600];
    private readonly byte[] _bad = new byte[1600];
    private readonly byte[] _plain = new byte[1600];
    private readonly byte[] _scratch = new byte[1600];
    private readonly byte[] _sessionWire = new byte[1600];
    private IControlChannelWrap _client = null!;
    private IControlChannelWrap _server = null!;
    private int _plainLength;
    private int _wireLength;

    [Params("tls-auth", "tls-crypt")]
    public string Wrap { get; set; } = "tls-auth";

    [Params(24, 1226)]
    public int PlainBytes { get; set; } = 24;

    [GlobalSetup]
    public void Setup()
    {
        var key = new StaticKey(RandomNumberGenerator.GetBytes(StaticKey.SizeBytes));
        if (Wrap == "tls-auth")
        {
            _client = new TlsAuth(key, KeyDirection.Inverse, HashAlgorithmName.SHA256);
            _server = new TlsAuth(key, KeyDirection.Normal, HashAlgorithmName.SHA256);
        }
        else
        {
            _client = new TlsCrypt(key, isServer: false);
            _server = new TlsCrypt(key, isServer: true);
        }
        _plainLength = PlainBytes < 100
            ? ControlPacket.Write(_plain, Opcode.ControlHardResetClientV2, 0, new SessionId(0x1122334455667788), [],
                SessionId.Zero, 0, new byte[] { 0x0f, 0xa9, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00 })
            : ControlPacket.Write(_plain, Opcode.ControlV1, 0, new SessionId(0x1122334455667788), [3u],
                new SessionId(0x0102030405060708), 4, new byte[1200]);
        if (_plainLength != PlainBytes)
        {
            throw new InvalidOperationException($"plain packet is {_plainLength} bytes, not {PlainBytes}");
        }
        _wireLength = _client.Wrap(_plain.AsSpan(0, _plainLength), _wire, 1_700_000_000);
        _wire.AsSpan(0, _wireLength).CopyTo(_bad);
        _bad[Wrap == "tls-auth" ? 9 : 17] ^= 0x01; // First HMAC byte (tls-auth) / tag byte (tls-crypt).
        if (Unwrap(_wire) < 0 || RejectWrongHmac() != DropReason.AuthenticationFailed)
        {
            throw new InvalidOperationException("wrap setup");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ((IDisposable)_client).Dispose();
        ((IDisposable)_server).Dispose();
    }

    /// <summary>Stateless unwrap (HMAC/tag check, decrypt for tls-crypt) + ControlPacket.TryParse.</summary>
    [Benchmark]
    public int UnwrapAndParse() => Unwrap(_wire);

    /// <summary>A hostile packet with a wrong HMAC/tag: rejected before any state is touched.</summary>
    [Benchmark]
    public DropReason RejectWrongHmac()
    {
        _server.TryUnwrapStateless(_bad.AsSpan(0, _wireLength), _scratch, out _, out DropReason reason);
        return reason;
    }

    /// <summary>The session path: client wraps (next replay id), server unwraps with the replay window.</summary>
    [Benchmark]
    public int WrapThenUnwrapWithReplay()
    {
        int n = _client.Wrap(_plain.AsSpan(0, _plainLength), _sessionWire, 1_700_000_000);
        return _server.TryUnwrap(_sessionWire.AsSpan(0, n), _scratch, out int length, out _) ? length : -1;
    }

    private int Unwrap(byte[] wire)
    {
        if (!_server.TryUnwrapStateless(wire.AsSpan(0, _wireLength), _scratch, out int length, out _))
        {
            return -1;
        }
        return ControlPacket.TryParse(_scratch.AsSpan(0, length), out ControlPacket p, out _) ? p.Payload.Length : -2;
    }
}
