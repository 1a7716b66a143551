using System.Buffers.Binary;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>
/// Control packets captured between a real openvpn 2.6.14 client and server (test/vectors/README.md) must unwrap
/// with the right key and direction, parse, and make a consistent handshake; wrong keys and flipped bits must fail.
/// </summary>
public class CapturedOpenVpnPacketTests
{
    public static TheoryData<string> Files => new()
    {
        "openvpn26-tls-auth-sha1-dir0-1.json",
        "openvpn26-tls-auth-sha256-nodir.json",
        "openvpn26-tls-auth-sha512-dir1-0.json",
        "openvpn26-tls-crypt.json",
        "openvpn26-tls-crypt-v2.json",
        "openvpn26-tls-crypt-v2-sharpvpn-keys.json", // keys from 'sharpvpn genkey', used by real openvpn peers
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryPacket_UnwrapsAndParses_AndTheHandshakeIsConsistent(string file)
    {
        var v = CapturedVector.Load(file);
        var server = v.CreateWrap(server: true);
        var client = v.CreateWrap(server: false);
        var toServer = new ReliableReceiveWindow();
        var toClient = new ReliableReceiveWindow();
        var clientStream = new List<byte>();
        var serverStream = new List<byte>();
        SessionId clientSid = default, serverSid = default;
        byte[] plain = new byte[4096];
        Assert.True(v.Packets.Count >= 10);
        for (int i = 0; i < v.Packets.Count; i++)
        {
            (bool up, byte[] bytes) = v.Packets[i];
            IControlChannelWrap receiver = up ? server : client;
            Assert.True(receiver.TryUnwrap(bytes, plain, out int n, out var reason), $"{file} packet {i}: {reason}");
            Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out var p, out reason), $"{file} packet {i}: {reason}");
            if (i == 0)
            {
                Assert.Equal(v.Wrap == "tls-crypt-v2" ? Opcode.ControlHardResetClientV3 : Opcode.ControlHardResetClientV2, p.Opcode);
                Assert.Equal(0u, p.MessagePacketId);
                Assert.Equal(0, p.AckCount);
                clientSid = p.SessionId;
            }
            if (i == 1)
            {
                Assert.Equal(Opcode.ControlHardResetServerV2, p.Opcode);
                Assert.Equal(1, p.AckCount);
                Assert.Equal(0u, p.GetAck(0));
                Assert.Equal(0u, p.MessagePacketId);
                serverSid = p.SessionId;
            }
            if (i == 2)
            {
                // A 2.6 client's third packet carries the ack with the server's (cookie) session id (§6.1).
                Assert.True(p.AckCount >= 1);
                Assert.Equal(serverSid, p.RemoteSessionId);
            }
            Assert.Equal(up ? clientSid : serverSid, p.SessionId);
            if (p.AckCount > 0)
            {
                Assert.Equal(up ? serverSid : clientSid, p.RemoteSessionId);
            }
            if (p.HasMessagePacketId)
            {
                var window = up ? toServer : toClient;
                Assert.Equal(ReliableReceiveResult.Accepted, window.Receive(p.Opcode, p.MessagePacketId, p.Payload));
                while (window.TryDequeue(out var m))
                {
                    if (!PacketHeader.IsHardReset(m.Opcode))
                    {
                        (up ? clientStream : serverStream).AddRange(m.Payload.ToArray());
                    }
                }
            }
        }
        // The reassembled streams are TLS: a handshake record (0x16 0x03 ...) starts each direction.
        Assert.Equal(0x16, clientStream[0]);
        Assert.Equal(0x03, clientStream[1]);
        Assert.Equal(0x16, serverStream[0]);
        Assert.Equal(0x03, serverStream[1]);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryPacket_WrongKey_IsAuthenticationFailure(string file)
    {
        var v = CapturedVector.Load(file);
        var wrongKey = StaticKey.Generate();
        var server = v.Wrap == "tls-crypt-v2"
            ? new TlsCryptV2ServerWrap(wrongKey, [])
            : v.CreateWrap(server: true, overrideKey: wrongKey);
        var client = v.CreateWrap(server: false, overrideKey: wrongKey);
        byte[] plain = new byte[4096];
        foreach ((bool up, byte[] bytes) in v.Packets)
        {
            Assert.False((up ? server : client).TryUnwrap(bytes, plain, out _, out var reason));
            Assert.Equal(DropReason.AuthenticationFailed, reason);
        }
        if (v.Wrap == "tls-crypt-v2")
        {
            Assert.False(TlsCryptV2ServerWrap.TryCreate(TlsCryptV2ServerKey.Generate(), v.Packets[0].Bytes, out _, out var reason));
            Assert.Equal(DropReason.BadWrappedKey, reason);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryPacket_FlippedBit_IsDropped(string file)
    {
        var v = CapturedVector.Load(file);
        byte[] plain = new byte[4096];
        var rng = new Random(file.Length);
        for (int i = 0; i < v.Packets.Count; i++)
        {
            (bool up, byte[] bytes) = v.Packets[i];
            // Skip the clear WKc trailer of tls-crypt-v2 packets: it is checked separately (TryCreate), and a
            // server that already knows Kc ignores it, as OpenVPN does.
            int protectedLength = bytes.Length;
            if (v.Wrap == "tls-crypt-v2" && PacketHeader.CarriesWrappedKey(PacketHeader.GetOpcode(bytes[0])))
            {
                protectedLength -= BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(bytes.Length - 2));
            }
            foreach (int bit in new[] { 0, 3, 8 * 9, rng.Next(protectedLength * 8), (protectedLength * 8) - 1 })
            {
                byte[] bad = (byte[])bytes.Clone();
                bad[bit / 8] ^= (byte)(1 << (bit % 8));
                var receiver = v.CreateWrap(server: up); // fresh: a replay cannot be the reason
                Assert.False(receiver.TryUnwrap(bad, plain, out _, out _), $"{file} packet {i} bit {bit}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryPacket_RewrappedByUs_IsByteIdentical(string file)
    {
        // tls-auth and tls-crypt are deterministic given the replay id and time, so our wrap of the same plain
        // packet must reproduce openvpn's bytes exactly.
        var v = CapturedVector.Load(file);
        var server = v.CreateWrap(server: true);
        var client = v.CreateWrap(server: false);
        byte[] plain = new byte[4096];
        byte[] wire = new byte[4096];
        foreach ((bool up, byte[] bytes) in v.Packets)
        {
            Assert.True((up ? server : client).TryUnwrapStateless(bytes, plain, out int n, out _));
            uint replayId = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(ReplayOffset(v)));
            uint time = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(ReplayOffset(v) + 4));
            int m = (up ? client : server).WrapWithReplayId(plain.AsSpan(0, n), wire, replayId, time);
            Assert.Equal(Convert.ToHexStringLower(bytes), Convert.ToHexStringLower(wire.AsSpan(0, m)));
        }
    }

    [Fact]
    public void TlsCryptV2_OpenVpnMadeKeys_ParseAndUnwrap()
    {
        var v = CapturedVector.Load("openvpn26-tls-crypt-v2.json");
        var serverKey = v.V2ServerKey;
        var clientKey = v.V2ClientKey;
        Assert.True(serverKey.TryUnwrapClientKey(clientKey.WrappedKey, out var kc, out var metadata, out _));
        Assert.Equal(clientKey.Key.Bytes.ToArray(), kc.Bytes.ToArray());
        // openvpn --genkey tls-crypt-v2-client without metadata stores a timestamp.
        Assert.Equal(TlsCryptV2Metadata.TypeTimestamp, metadata[0]);
        Assert.Equal(9, metadata.Length);
        long created = BinaryPrimitives.ReadInt64BigEndian(metadata.AsSpan(1));
        Assert.InRange(created, 1_700_000_000, 4_000_000_000);
        // Our file text for their keys is identical to theirs.
        Assert.Equal(v.Keys.GetProperty("server_key").GetString(), serverKey.ToFileText());
        Assert.Equal(v.Keys.GetProperty("client_key").GetString(), clientKey.ToFileText());
    }

    [Fact]
    public void TlsCryptV2_SharpVpnMadeKeys_CarryUserMetadata()
    {
        var v = CapturedVector.Load("openvpn26-tls-crypt-v2-sharpvpn-keys.json");
        Assert.True(v.V2ServerKey.TryUnwrapClientKey(v.V2ClientKey.WrappedKey, out _, out var metadata, out _));
        Assert.Equal("00" + Convert.ToHexStringLower("alice"u8), Convert.ToHexStringLower(metadata));
    }

    [Fact]
    public void TlsCryptV2_EarlyNegotiation_SeenInCapture()
    {
        var v = CapturedVector.Load("openvpn26-tls-crypt-v2.json");
        var server = (TlsCryptV2ServerWrap)v.CreateWrap(server: true);
        byte[] plain = new byte[4096];
        Assert.True(server.TryUnwrap(v.Packets[0].Bytes, plain, out _, out _));
        Assert.True(server.PeerAnnouncedEarlyNegotiation);
        Assert.Equal(0x0f000001u, server.LastReceivedReplayId);
        // The server's stateless reply carries the EARLY_NEG_FLAGS / RESEND_WKC TLV, and the client answers with WKC_V1.
        var client = v.CreateWrap(server: false);
        Assert.True(client.TryUnwrap(v.Packets[1].Bytes, plain, out int n, out _));
        Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out var reset, out _));
        Assert.Equal("000100020001", Convert.ToHexStringLower(reset.Payload));
        Assert.Equal(Opcode.ControlWkcV1, PacketHeader.GetOpcode(v.Packets[2].Bytes[0]));
    }

    private static int ReplayOffset(CapturedVector v) => v.Wrap switch
    {
        "tls-auth" => 9 + v.Auth switch { "SHA256" => 32, "SHA512" => 64, _ => 20 },
        _ => 9,
    };
}
