using BenchmarkDotNet.Attributes;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Benchmarks;

/// <summary>
/// ControlPacket.TryParse of a plain (unwrapped) control packet: a P_CONTROL_HARD_RESET_CLIENT_V2 (what every new
/// or hostile peer sends first) and a P_CONTROL_V1 with one ack carrying a 1200-byte TLS record slice (the size
/// openvpn 2.6 sends with its default tls-mtu 1250).
/// </summary>
[MemoryDiagnoser]
public class ControlPacketParseBenchmarks
{
    private readonly byte[] _reset = new byte[64];
    private readonly byte[] _control = new byte[1400];
    private int _resetLength;
    private int _controlLength;

    [GlobalSetup]
    public void Setup()
    {
        _resetLength = ControlPacket.Write(_reset, Opcode.ControlHardResetClientV2, 0, new SessionId(0x1122334455667788),
            [], SessionId.Zero, 0, new byte[] { 0x0f, 0xa9, 0x00, 0x01, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00 });
        _controlLength = ControlPacket.Write(_control, Opcode.ControlV1, 0, new SessionId(0x1122334455667788),
            [3u], new SessionId(0x0102030405060708), 4, new byte[1200]);
    }

    [Benchmark]
    public int ParseHardReset() =>
        ControlPacket.TryParse(_reset.AsSpan(0, _resetLength), out ControlPacket p, out DropReason _) ? p.Payload.Length : -1;

    [Benchmark]
    public int ParseControlV1WithAck() =>
        ControlPacket.TryParse(_control.AsSpan(0, _controlLength), out ControlPacket p, out DropReason _) ? p.AckCount + p.Payload.Length : -1;
}
