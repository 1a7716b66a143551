using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Tests.Wire;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

public class TlsCryptTests
{
    [Fact]
    public void Seal_UpstreamKnownAnswer_MatchesTestTlsCrypt()
    {
        // test_tls_crypt.c test_tls_crypt_secure_reneg_key: key all 0xBA, header = replay id 1 || time 0, "1234567890".
        byte[] key = Enumerable.Repeat((byte)0xba, 32).ToArray();
        using var cipher = new TlsCryptCipher(key, key);
        byte[] header = Hex.Parse("00000001 00000000");
        byte[] plain = "1234567890"u8.ToArray();
        byte[] tag = new byte[32];
        byte[] ct = new byte[plain.Length];
        cipher.Seal(header, plain, tag, ct);
        Assert.Equal("e319277f1c8d6e6a7796a855337b9cfb56e1f13a870e6647dfa195c92c17a015", Hex.Of(tag));
        Assert.Equal("ba4967a11d55ea1a06a7", Hex.Of(ct));
        byte[] back = new byte[plain.Length];
        Assert.True(cipher.TryOpen(header, tag, ct, back));
        Assert.Equal(plain, back);
    }

    [Fact]
    public void Unwrap_UpstreamClientReset_AsServer_YieldsPlainReset()
    {
        using var server = new TlsCrypt(UpstreamVectors.Key, isServer: true);
        byte[] plain = new byte[2048];
        Assert.True(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsCrypt, plain, out int n, out var reason), reason.ToString());
        Assert.Equal(Hex.Parse("38 f419cb12d1f9e48f 00 00000000"), plain[..n]);
    }

    [Fact]
    public void Wrap_UpstreamClientReset_AsClient_ReproducesBytes()
    {
        using var client = new TlsCrypt(UpstreamVectors.Key, isServer: false);
        byte[] wire = new byte[2048];
        int n = client.WrapWithReplayId(Hex.Parse("38 f419cb12d1f9e48f 00 00000000"), wire, 1, 0x61d3f8e1);
        Assert.Equal(UpstreamVectors.ClientResetV2TlsCrypt, wire[..n]);
    }

    [Fact]
    public void Unwrap_UpstreamClientReset_AsClient_FailsAuthentication()
    {
        using var wrongRole = new TlsCrypt(UpstreamVectors.Key, isServer: false);
        Assert.False(wrongRole.TryUnwrap(UpstreamVectors.ClientResetV2TlsCrypt, new byte[2048], out _, out var reason));
        Assert.Equal(DropReason.AuthenticationFailed, reason);
    }

    [Fact]
    public void Unwrap_AnyByteChanged_FailsLikeUpstreamTest()
    {
        // test_pkt.c test_tls_decrypt_lite_crypt sets each byte to 0x23 in turn.
        byte[] packet = UpstreamVectors.ClientResetV2TlsCrypt;
        for (int i = 0; i < packet.Length; i++)
        {
            byte[] bad = (byte[])packet.Clone();
            bad[i] = 0x23;
            using var server = new TlsCrypt(UpstreamVectors.Key, isServer: true);
            Assert.False(server.TryUnwrapStateless(bad, new byte[2048], out _, out _), $"byte {i}");
        }
    }

    [Fact]
    public void Unwrap_TlsAuthPacket_IsRejected()
    {
        using var server = new TlsCrypt(UpstreamVectors.Key, isServer: true);
        Assert.False(server.TryUnwrap(UpstreamVectors.ClientResetV2TlsAuth, new byte[2048], out _, out _));
        Assert.False(server.TryUnwrap(UpstreamVectors.ClientResetV2None, new byte[2048], out _, out var reason));
        Assert.Equal(DropReason.TooShort, reason);
    }

    [Fact]
    public void RoundTrip_BothDirections_LargePayload()
    {
        var key = StaticKey.Generate();
        using var client = new TlsCrypt(key, isServer: false);
        using var server = new TlsCrypt(key, isServer: true);
        byte[] payload = new byte[1300];
        Random.Shared.NextBytes(payload);
        byte[] plain = new byte[1400];
        int pn = ControlPacket.Write(plain, Opcode.ControlV1, 3, new SessionId(7), [1u, 2u], new SessionId(8), 9, payload);
        byte[] wire = new byte[1500];
        byte[] back = new byte[1500];
        int n = client.Wrap(plain.AsSpan(0, pn), wire, 77);
        Assert.Equal(pn + 40, n);
        Assert.True(server.TryUnwrap(wire.AsSpan(0, n), back, out int m, out _));
        Assert.Equal(plain[..pn], back[..m]);
        n = server.Wrap(plain.AsSpan(0, pn), wire, 77);
        Assert.True(client.TryUnwrap(wire.AsSpan(0, n), back, out m, out _));
        Assert.Equal(plain[..pn], back[..m]);
        // A packet of the server's own direction does not verify at the server.
        Assert.False(server.TryUnwrap(wire.AsSpan(0, n), back, out _, out _));
    }

    [Fact]
    public void Unwrap_Replayed_IsReplay()
    {
        var key = StaticKey.Generate();
        using var client = new TlsCrypt(key, isServer: false);
        using var server = new TlsCrypt(key, isServer: true);
        byte[] wire = new byte[256];
        int n = client.Wrap(UpstreamVectors.ClientResetV2None, wire, 77);
        Assert.True(server.TryUnwrap(wire.AsSpan(0, n), new byte[256], out _, out _));
        Assert.False(server.TryUnwrap(wire.AsSpan(0, n), new byte[256], out _, out var reason));
        Assert.Equal(DropReason.Replay, reason);
    }

    [Fact]
    public void Unwrap_HeldBackPacket_IsAcceptedWithinFifteenSeconds_ThenExpires()
    {
        // The client sends ids 1, 2, 3; id 1 and 2 are held back (an attacker, or a slow path) while 3 arrives. OpenVPN
        // (packet_id_reap) still takes a late id within --replay-window's 15 s, and never after.
        var key = StaticKey.Generate();
        using var client = new TlsCrypt(key, isServer: false);
        using var server = new TlsCrypt(key, isServer: true);
        byte[][] wire = new byte[3][];
        for (int i = 0; i < 3; i++)
        {
            wire[i] = new byte[256];
            int n = client.Wrap(UpstreamVectors.ClientResetV2None, wire[i], 77);
            wire[i] = wire[i][..n];
        }
        byte[] plain = new byte[256];
        Assert.True(server.TryUnwrap(wire[2], plain, nowMs: 100_000, out _, out _));
        Assert.True(server.TryUnwrap(wire[1], plain, nowMs: 110_000, out _, out _));       // 10 s late: accepted
        Assert.False(server.TryUnwrap(wire[0], plain, nowMs: 121_000, out _, out var reason)); // 21 s: expired
        Assert.Equal(DropReason.Replay, reason);
    }
}
