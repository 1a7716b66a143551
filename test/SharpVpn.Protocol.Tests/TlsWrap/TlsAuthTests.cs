using System.Security.Cryptography;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Tests.Wire;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

public class TlsAuthTests
{
    private static TlsAuth Server(KeyDirection d = KeyDirection.Normal) => new(UpstreamVectors.Key, d, HashAlgorithmName.SHA1);

    [Fact]
    public void Unwrap_UpstreamClientReset_WithServerDirection0_YieldsPlainReset()
    {
        using var server = Server();
        byte[] plain = new byte[2048];
        Assert.True(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth, plain, out int n, out var reason), reason.ToString());
        Assert.Equal(Hex.Parse("38 de694c5c7bfba274 00 00000000"), plain[..n]);
        Assert.Equal(1u, server.LastReceivedReplayId);
    }

    [Fact]
    public void Wrap_UpstreamClientReset_WithClientDirection1_ReproducesBytes()
    {
        using var client = Server(KeyDirection.Inverse);
        byte[] wire = new byte[2048];
        int n = client.WrapWithReplayId(Hex.Parse("38 de694c5c7bfba274 00 00000000"), wire, 1, 0x61d3bf6c);
        Assert.Equal(UpstreamVectors.ClientResetV2TlsAuth, wire[..n]);
    }

    [Fact]
    public void Unwrap_UpstreamControlPacket_YieldsClientHello()
    {
        using var server = Server();
        byte[] plain = new byte[2048];
        Assert.True(server.TryUnwrap(UpstreamVectors.ClientAckTlsAuthRandomId, plain, out int n, out _));
        Assert.True(ControlPacket.TryParse(plain.AsSpan(0, n), out var p, out _));
        Assert.Equal(Opcode.ControlV1, p.Opcode);
        Assert.Equal(0, p.AckCount);
        Assert.Equal(1u, p.MessagePacketId);
        Assert.Equal(0x16, p.Payload[0]);
        Assert.Equal(UpstreamVectors.ClientAckTlsAuthRandomId.Length - 28, p.Payload.Length + 14);
    }

    [Theory]
    [InlineData(KeyDirection.Inverse)]       // same direction as the client: wrong half
    [InlineData(KeyDirection.Bidirectional)] // bytes 64.. instead of 192..
    public void Unwrap_WrongDirection_FailsAuthentication(KeyDirection direction)
    {
        using var server = Server(direction);
        Assert.False(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth, new byte[2048], out _, out var reason));
        Assert.Equal(DropReason.AuthenticationFailed, reason);
    }

    [Fact]
    public void Unwrap_AnyFlippedBit_FailsAuthentication()
    {
        byte[] packet = UpstreamVectors.ClientResetV2TlsAuth;
        for (int i = 0; i < packet.Length * 8; i++)
        {
            byte[] bad = (byte[])packet.Clone();
            bad[i / 8] ^= (byte)(1 << (i % 8));
            using var server = Server();
            Assert.False(server.TryUnwrap(bad, new byte[2048], out _, out var reason), $"bit {i}");
            Assert.Equal(DropReason.AuthenticationFailed, reason);
        }
    }

    [Fact]
    public void Unwrap_SamePacketTwice_SecondIsReplay_ButStatelessAcceptsBoth()
    {
        using var server = Server();
        byte[] plain = new byte[2048];
        Assert.True(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth, plain, out _, out _));
        Assert.False(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth, plain, out _, out var reason));
        Assert.Equal(DropReason.Replay, reason);
        Assert.True(server.TryUnwrapStateless(UpstreamVectors.ClientResetV2TlsAuth, plain, out _, out _));
        Assert.True(server.TryUnwrapStateless(UpstreamVectors.ClientResetV2TlsAuth, plain, out _, out _));
    }

    [Fact]
    public void Unwrap_TooShort_IsDroppedNotThrown()
    {
        using var server = Server();
        for (int len = 0; len < 9 + 20 + 8; len++)
        {
            Assert.False(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth.AsSpan(0, len), new byte[2048], out _, out var reason));
            Assert.Equal(DropReason.TooShort, reason);
        }
    }

    [Theory]
    [InlineData("SHA1", 20)]
    [InlineData("sha256", 32)]
    [InlineData("SHA384", 48)]
    [InlineData("SHA512", 64)]
    [InlineData("SHA-256", 32)]
    [InlineData("MD5", 16)]
    public void RoundTrip_EachDigestAndDirectionPair(string name, int macBytes)
    {
        Assert.True(TlsAuth.TryParseDigest(name, out var digest));
        var key = StaticKey.Generate();
        foreach ((KeyDirection a, KeyDirection b) in new[] { (KeyDirection.Normal, KeyDirection.Inverse), (KeyDirection.Inverse, KeyDirection.Normal), (KeyDirection.Bidirectional, KeyDirection.Bidirectional) })
        {
            using var sender = new TlsAuth(key, a, digest);
            using var receiver = new TlsAuth(key, b, digest);
            Assert.Equal(macBytes + 8, sender.Overhead);
            byte[] plain = Hex.Parse("20 0102030405060708 01 00000000 1112131415161718 00000005 deadbeef");
            byte[] wire = new byte[256];
            byte[] back = new byte[256];
            for (int i = 0; i < 3; i++)
            {
                int n = sender.Wrap(plain, wire, 1000);
                Assert.Equal(plain.Length + macBytes + 8, n);
                Assert.True(receiver.TryUnwrap(wire.AsSpan(0, n), back, out int m, out var reason), $"{a}/{b}: {reason}");
                Assert.Equal(plain, back[..m]);
                Assert.Equal((uint)(i + 1), receiver.LastReceivedReplayId);
            }
        }
    }

    [Fact]
    public void Unwrap_SameDirectionOnBothSides_Fails()
    {
        var key = StaticKey.Generate();
        using var a = new TlsAuth(key, KeyDirection.Normal, HashAlgorithmName.SHA256);
        using var b = new TlsAuth(key, KeyDirection.Normal, HashAlgorithmName.SHA256);
        byte[] wire = new byte[256];
        int n = a.Wrap(UpstreamVectors.ClientResetV2None, wire, 5);
        Assert.False(b.TryUnwrap(wire.AsSpan(0, n), new byte[256], out _, out var reason));
        Assert.Equal(DropReason.AuthenticationFailed, reason);
    }

    [Fact]
    public void Wrap_LatchesTimeAndCountsEveryTransmission()
    {
        var key = StaticKey.Generate();
        using var a = new TlsAuth(key, KeyDirection.Normal, HashAlgorithmName.SHA1);
        byte[] wire = new byte[256];
        a.Wrap(UpstreamVectors.ClientResetV2None, wire, 100);
        Assert.Equal("00000001" + "00000064", Hex.Of(wire.AsSpan(29, 8)));
        a.Wrap(UpstreamVectors.ClientResetV2None, wire, 200);
        Assert.Equal("00000002" + "00000064", Hex.Of(wire.AsSpan(29, 8)));
        a.SetSendCounter(1, 300);
        a.Wrap(UpstreamVectors.ClientResetV2None, wire, 400);
        Assert.Equal("00000002" + "0000012c", Hex.Of(wire.AsSpan(29, 8)));
    }

    [Fact]
    public void TryParseDigest_UnsupportedName_IsFalse()
    {
        Assert.False(TlsAuth.TryParseDigest("RIPEMD160", out _));
        Assert.False(TlsAuth.TryParseDigest("none", out _));
    }
}
