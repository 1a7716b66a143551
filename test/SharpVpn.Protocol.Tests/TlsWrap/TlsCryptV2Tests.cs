using System.Buffers.Binary;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Tests.Wire;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

public class TlsCryptV2Tests
{
    // tests/unit_tests/openvpn/test_tls_crypt.c
    internal const string UpstreamServerKey = """
        -----BEGIN OpenVPN tls-crypt-v2 server key-----
        AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
        MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f
        YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn8=
        -----END OpenVPN tls-crypt-v2 server key-----

        """;

    internal const string UpstreamClientKey = """
        -----BEGIN OpenVPN tls-crypt-v2 client key-----
        AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
        MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f
        YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P
        kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/
        wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v
        8PHy8/T19vf4+fr7/P3+/xd9pcB0qUYZsWvkrLcfGmzPJPM8a7r0mEWdXwbDadSV
        LHg5bv2TwlmPR3HgaMr8o9LTh9hxUTkrH3S0PfKRNwcso86ua/dBFTyXsM9tg4aw
        3dS6ogH9AkaT+kRRDgNcKWkQCbwmJK2JlfkXHBwbAtmn78AkNuho6QCFqCdqGab3
        zh2vheFqGMPdGpukbFrT3rcO3VLxUeG+RdzXiMTCpJSovFBP1lDkYwYJPnz6daEh
        j0TzJ3BVru9W3CpotdNt7u09knxAfpCxjtrP3semsDew/gTBtcfQ/OoTFyFHnN5k
        RZ+q17SC4nba3Pp8/Fs0+hSbv2tJozoD8SElFq7SIWJsciTYh8q8f5yQxjdt4Wxu
        /Z5wtPCAZ0tOzj4ItTI77fBOYRTfEayzHgEr
        -----END OpenVPN tls-crypt-v2 client key-----

        """;

    internal const string UpstreamClientKeyMetadata = """
        -----BEGIN OpenVPN tls-crypt-v2 client key-----
        AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4v
        MDEyMzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5f
        YGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6P
        kJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/
        wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v
        8PHy8/T19vf4+fr7/P3+/2ntp1WCqhcLjJQY/igkjNt3Yb6i0neqFkfrOp2UCDcz
        6RSJtPLZbvOOKUHk2qwxPYUsFCnz/IWV6/ZiLRrabzUpS8oSN1HS6P7qqAdrHKgf
        hVTHasdSf2UdMTPC7HBgnP9Ll0FhKN0h7vSzbbt7QM7wH9mr1ecc/Mt0SYW2lpwA
        aJObYGTyk6hTgWm0g/MLrworLrezTqUHBZzVsu+LDyqLWK1lzJNd66MuNOsGA4YF
        fbCsDh8n3H+Cw1k5YNBZDYYJOtVUgBWXheO6vgoOmqDdI0dAQ3hVo9DE+SkCFjgf
        l4FY2yLEh9ZVZZrl1eD1Owh/X178CkHrBJYl9LNQSyQEKlDGWwBLQ/pY3qtjctr3
        pV62MPQdBo+1lcsjDCJVQA6XUyltas4BKQ==
        -----END OpenVPN tls-crypt-v2 client key-----

        """;

    private static byte[] Sequence(int n) => Enumerable.Range(0, n).Select(i => (byte)i).ToArray();

    [Fact]
    public void ServerKey_UpstreamFile_ParsesAndWritesBackIdentically()
    {
        var key = TlsCryptV2ServerKey.Parse(UpstreamServerKey, "test");
        Assert.Equal(Sequence(128), key.Bytes.ToArray());
        Assert.Equal(UpstreamServerKey.ReplaceLineEndings("\n"), key.ToFileText());
    }

    [Fact]
    public void ClientKey_UpstreamFile_UnwrapsToSequentialKeyWithTimestampZero()
    {
        var server = TlsCryptV2ServerKey.Parse(UpstreamServerKey, "test");
        var client = TlsCryptV2ClientKey.Parse(UpstreamClientKey, "test");
        Assert.Equal(Sequence(256), client.Key.Bytes.ToArray());
        Assert.Equal(299, client.WrappedKey.Length);
        Assert.Equal("177da5c074a94619b16be4acb71f1a6ccf24f33c6bbaf498459d5f06c369d495", Hex.Of(client.WrappedKey[..32]));
        Assert.True(server.TryUnwrapClientKey(client.WrappedKey, out var kc, out var metadata, out _));
        Assert.Equal(Sequence(256), kc.Bytes.ToArray());
        Assert.Equal("010000000000000000", Hex.Of(metadata));
        Assert.Equal(UpstreamClientKey.ReplaceLineEndings("\n"), client.ToFileText());
    }

    [Fact]
    public void WrapClientKey_SameInputs_ReproducesUpstreamWrappedKey()
    {
        var server = TlsCryptV2ServerKey.Parse(UpstreamServerKey, "test");
        var upstream = TlsCryptV2ClientKey.Parse(UpstreamClientKey, "test");
        byte[] wkc = server.WrapClientKey(new StaticKey(Sequence(256)), TlsCryptV2Metadata.Timestamp(DateTimeOffset.UnixEpoch));
        Assert.Equal(upstream.WrappedKey.ToArray(), wkc);
    }

    [Fact]
    public void ClientKey_UpstreamUserMetadata_Unwraps()
    {
        var server = TlsCryptV2ServerKey.Parse(UpstreamServerKey, "test");
        var client = TlsCryptV2ClientKey.Parse(UpstreamClientKeyMetadata, "test");
        Assert.Equal(297, client.WrappedKey.Length);
        Assert.True(server.TryUnwrapClientKey(client.WrappedKey, out _, out var metadata, out _));
        Assert.Equal("00" + Hex.Of(Convert.FromBase64String("AABBCCDD")), Hex.Of(metadata));
        Assert.Equal("00000041 0820c3".Replace(" ", "", StringComparison.Ordinal), Hex.Of(metadata));
    }

    [Fact]
    public void UnwrapClientKey_WrongServerKeyOrFlippedBit_Fails()
    {
        var client = TlsCryptV2ClientKey.Parse(UpstreamClientKey, "test");
        Assert.False(TlsCryptV2ServerKey.Generate().TryUnwrapClientKey(client.WrappedKey, out _, out _, out var reason));
        Assert.Equal(DropReason.BadWrappedKey, reason);
        var server = TlsCryptV2ServerKey.Parse(UpstreamServerKey, "test");
        for (int i = 0; i < client.WrappedKey.Length - 2; i += 7)
        {
            byte[] bad = client.WrappedKey.ToArray();
            bad[i] ^= 0x40;
            Assert.False(server.TryUnwrapClientKey(bad, out _, out _, out _), $"byte {i}");
        }
        byte[] badLength = client.WrappedKey.ToArray();
        badLength[^1] ^= 1;
        Assert.False(server.TryUnwrapClientKey(badLength, out _, out _, out _));
    }

    [Fact]
    public void Create_NewClientKey_RoundTripsThroughFileAndServer()
    {
        var server = TlsCryptV2ServerKey.Generate();
        var parsedServer = TlsCryptV2ServerKey.Parse(server.ToFileText(), "s");
        var client = TlsCryptV2ClientKey.Create(server, TlsCryptV2Metadata.User("hello"u8));
        var parsed = TlsCryptV2ClientKey.Parse(client.ToFileText(), "c");
        Assert.Equal(client.Key.Bytes.ToArray(), parsed.Key.Bytes.ToArray());
        Assert.True(parsedServer.TryUnwrapClientKey(parsed.WrappedKey, out var kc, out var metadata, out _));
        Assert.Equal(client.Key.Bytes.ToArray(), kc.Bytes.ToArray());
        Assert.Equal("0068656c6c6f", Hex.Of(metadata));
    }

    [Fact]
    public void Metadata_TooLong_Throws()
    {
        Assert.Throws<ArgumentException>(() => TlsCryptV2Metadata.User(new byte[734]));
        Assert.Equal(734, TlsCryptV2Metadata.User(new byte[733]).Length);
    }

    [Fact]
    public void Parse_GarbageFiles_ThrowFormatExceptionNamingSource()
    {
        var ex = Assert.Throws<FormatException>(() => TlsCryptV2ServerKey.Parse("nothing", "/etc/x.key"));
        Assert.Contains("/etc/x.key", ex.Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => TlsCryptV2ClientKey.Parse(UpstreamServerKey.Replace("server", "client", StringComparison.Ordinal), "c"));
    }

    [Fact]
    public void ClientWrap_V3Reset_ServerRecoversKeyAndUnwraps()
    {
        var serverKey = TlsCryptV2ServerKey.Generate();
        var clientKey = TlsCryptV2ClientKey.Create(serverKey, TlsCryptV2Metadata.Timestamp(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
        using var client = new TlsCryptV2ClientWrap(clientKey);
        byte[] plain = new byte[64];
        int pn = ControlPacket.Write(plain, Opcode.ControlHardResetClientV3, 0, new SessionId(0x1122), [], default, 0, []);
        byte[] wire = new byte[2048];
        int n = client.Wrap(plain.AsSpan(0, pn), wire, 1000);
        Assert.Equal(pn + 40 + client.WrappedKeyLength, n);
        Assert.Equal("0f000001", Hex.Of(wire.AsSpan(9, 4))); // early-negotiation marker
        Assert.Equal(clientKey.WrappedKey.ToArray(), wire[(n - clientKey.WrappedKey.Length)..n]);

        Assert.True(TlsCryptV2ServerWrap.TryCreate(serverKey, wire.AsSpan(0, n), out var server, out var reason), reason.ToString());
        using (server)
        {
            Assert.Equal(clientKey.Key.Bytes.ToArray(), server.ClientKey.Bytes.ToArray());
            Assert.Equal(0x01, server.Metadata.Span[0]);
            Assert.Equal(1_700_000_000L, BinaryPrimitives.ReadInt64BigEndian(server.Metadata.Span[1..]));
            byte[] back = new byte[2048];
            Assert.True(server.TryUnwrapStateless(wire.AsSpan(0, n), back, out int m, out reason), reason.ToString());
            Assert.Equal(plain[..pn], back[..m]);
            Assert.True(server.PeerAnnouncedEarlyNegotiation);

            // Server reply, then a WKC_V1 and a plain control packet from the client.
            n = server.WrapWithReplayId(UpstreamVectors.ClientAckNoneRandomId, wire, 1, 2000);
            Assert.True(client.TryUnwrap(wire.AsSpan(0, n), back, out m, out _));
            pn = ControlPacket.Write(plain, Opcode.ControlWkcV1, 0, new SessionId(0x1122), [0u], new SessionId(5), 1, [1, 2, 3]);
            n = client.Wrap(plain.AsSpan(0, pn), wire, 3000);
            Assert.True(server.TryUnwrap(wire.AsSpan(0, n), back, out m, out reason), reason.ToString());
            Assert.Equal(plain[..pn], back[..m]);
            pn = ControlPacket.Write(plain, Opcode.ControlV1, 0, new SessionId(0x1122), [0u], new SessionId(5), 2, [4]);
            n = client.Wrap(plain.AsSpan(0, pn), wire, 3000);
            Assert.Equal(pn + 40, n);
            Assert.True(server.TryUnwrap(wire.AsSpan(0, n), back, out m, out _));
            Assert.Equal("0f000003", Hex.Of(wire.AsSpan(9, 4)));
        }
    }

    [Fact]
    public void ServerWrap_TryCreate_RejectsWrongServerKeyTamperedKeyAndWrongOpcode()
    {
        var serverKey = TlsCryptV2ServerKey.Generate();
        var clientKey = TlsCryptV2ClientKey.Create(serverKey, TlsCryptV2Metadata.User([]));
        using var client = new TlsCryptV2ClientWrap(clientKey, earlyNegotiation: false);
        byte[] plain = new byte[64];
        int pn = ControlPacket.Write(plain, Opcode.ControlHardResetClientV3, 0, new SessionId(9), [], default, 0, []);
        byte[] wire = new byte[2048];
        int n = client.Wrap(plain.AsSpan(0, pn), wire, 1);
        Assert.Equal("00000001", Hex.Of(wire.AsSpan(9, 4)));
        byte[] packet = wire[..n];

        Assert.False(TlsCryptV2ServerWrap.TryCreate(TlsCryptV2ServerKey.Generate(), packet, out _, out var reason));
        Assert.Equal(DropReason.BadWrappedKey, reason);
        byte[] tampered = (byte[])packet.Clone();
        tampered[^10] ^= 1;
        Assert.False(TlsCryptV2ServerWrap.TryCreate(serverKey, tampered, out _, out _));
        byte[] badLen = (byte[])packet.Clone();
        badLen[^1] = 0xff;
        Assert.False(TlsCryptV2ServerWrap.TryCreate(serverKey, badLen, out _, out _));
        byte[] wrongOp = (byte[])packet.Clone();
        wrongOp[0] = 0x38;
        Assert.False(TlsCryptV2ServerWrap.TryCreate(serverKey, wrongOp, out _, out reason));
        Assert.Equal(DropReason.BadOpcode, reason);
        Assert.False(TlsCryptV2ServerWrap.TryCreate(serverKey, packet.AsSpan(0, 1), out _, out _));

        Assert.True(TlsCryptV2ServerWrap.TryCreate(serverKey, packet, out var server, out _));
        using (server)
        {
            // Tampering with the tls-crypt part still fails after the key is recovered.
            byte[] badBody = (byte[])packet.Clone();
            badBody[20] ^= 1;
            Assert.False(server.TryUnwrap(badBody, new byte[2048], out _, out reason));
            Assert.Equal(DropReason.AuthenticationFailed, reason);
            Assert.True(server.TryUnwrap(packet, new byte[2048], out _, out _));
            Assert.False(server.PeerAnnouncedEarlyNegotiation);
        }
    }
}
