using System.Security.Cryptography;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>
/// Interop the other way round: a client hard reset wrapped by our code is answered by a real openvpn 2.6 server
/// (its stateless P_CONTROL_HARD_RESET_SERVER_V2), and we unwrap the answer. A wrong key gets no answer.
/// </summary>
[Trait("Category", "Interop")]
public sealed class LiveOpenVpnServerTests : IDisposable
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(3);
    private readonly string _dir = Directory.CreateTempSubdirectory("svc1-live").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static uint Now => (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static byte[] ClientReset(Opcode opcode, SessionId sid)
    {
        byte[] plain = new byte[32];
        int n = ControlPacket.Write(plain, opcode, 0, sid, [], default, 0, []);
        return plain[..n];
    }

    /// <summary>Wraps our reset, sends it, unwraps and checks the server's reset; returns its payload.</summary>
    private static byte[] AssertServerAnswers(OpenVpnServerProcess server, IControlChannelWrap ours, Opcode resetOpcode)
    {
        var sid = SessionId.NewRandom();
        byte[] wire = new byte[2048];
        int n = ours.Wrap(ClientReset(resetOpcode, sid), wire, Now);
        byte[]? reply = server.Exchange(wire.AsSpan(0, n), ReplyTimeout);
        Assert.True(reply is not null, $"no reply from openvpn; its log:\n{server.Log}");
        byte[] plain = new byte[2048];
        Assert.True(ours.TryUnwrap(reply, plain, out int pn, out var reason), $"{reason}");
        Assert.True(ControlPacket.TryParse(plain.AsSpan(0, pn), out var p, out reason), $"{reason}");
        Assert.Equal(Opcode.ControlHardResetServerV2, p.Opcode);
        Assert.Equal(1, p.AckCount);
        Assert.Equal(0u, p.GetAck(0));
        Assert.Equal(sid, p.RemoteSessionId);
        Assert.Equal(0u, p.MessagePacketId);
        Assert.False(p.SessionId.IsZero);
        return p.Payload.ToArray();
    }

    private string WriteStaticKey(StaticKey key)
    {
        string path = Path.Combine(_dir, "ta.key");
        File.WriteAllText(path, key.ToFileText());
        return "ta.key";
    }

    [Theory]
    [InlineData("SHA1", "0", KeyDirection.Inverse)]
    [InlineData("SHA256", null, KeyDirection.Bidirectional)]
    [InlineData("SHA512", "1", KeyDirection.Normal)]
    public void TlsAuth_OurReset_IsAnsweredByRealServer(string auth, string? serverDirection, KeyDirection ourDirection)
    {
        var key = StaticKey.Generate();
        string[] args = serverDirection is null
            ? ["--tls-auth", WriteStaticKey(key), "--auth", auth]
            : ["--tls-auth", WriteStaticKey(key), serverDirection, "--auth", auth];
        using var server = OpenVpnServerProcess.Start(_dir, args);
        Assert.True(TlsAuth.TryParseDigest(auth, out var digest));
        using var ours = new TlsAuth(key, ourDirection, digest);
        Assert.Empty(AssertServerAnswers(server, ours, Opcode.ControlHardResetClientV2));
    }

    [Fact]
    public void TlsAuth_WrongKeyOrDirection_GetsNoAnswer()
    {
        var key = StaticKey.Generate();
        using var server = OpenVpnServerProcess.Start(_dir, "--tls-auth", WriteStaticKey(key), "0");
        byte[] wire = new byte[2048];
        using (var wrongKey = new TlsAuth(StaticKey.Generate(), KeyDirection.Inverse, HashAlgorithmName.SHA1))
        {
            int n = wrongKey.Wrap(ClientReset(Opcode.ControlHardResetClientV2, SessionId.NewRandom()), wire, Now);
            Assert.Null(server.Exchange(wire.AsSpan(0, n), TimeSpan.FromSeconds(1)));
        }
        using (var wrongDirection = new TlsAuth(key, KeyDirection.Normal, HashAlgorithmName.SHA1))
        {
            int n = wrongDirection.Wrap(ClientReset(Opcode.ControlHardResetClientV2, SessionId.NewRandom()), wire, Now);
            Assert.Null(server.Exchange(wire.AsSpan(0, n), TimeSpan.FromSeconds(1)));
        }
        Assert.Contains("HMAC", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsCrypt_OurReset_IsAnsweredByRealServer()
    {
        var key = StaticKey.Generate();
        using var server = OpenVpnServerProcess.Start(_dir, "--tls-crypt", WriteStaticKey(key));
        using var ours = new TlsCrypt(key, isServer: false);
        Assert.Empty(AssertServerAnswers(server, ours, Opcode.ControlHardResetClientV2));

        // Server role keys must not work for a client.
        using var wrongRole = new TlsCrypt(key, isServer: true);
        byte[] wire = new byte[2048];
        int n = wrongRole.Wrap(ClientReset(Opcode.ControlHardResetClientV2, SessionId.NewRandom()), wire, Now);
        Assert.Null(server.Exchange(wire.AsSpan(0, n), TimeSpan.FromSeconds(1)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TlsCryptV2_ClientKeyMadeByUs_IsAcceptedByRealServer(bool earlyNegotiation)
    {
        // Keys made by our genkey code; the server key file is read by openvpn.
        var serverKey = TlsCryptV2ServerKey.Generate();
        File.WriteAllText(Path.Combine(_dir, "v2server.key"), serverKey.ToFileText());
        var clientKey = TlsCryptV2ClientKey.Create(serverKey, TlsCryptV2Metadata.User("sharpvpn-test"u8));
        using var server = OpenVpnServerProcess.Start(_dir, "--tls-crypt-v2", "v2server.key");
        using var ours = new TlsCryptV2ClientWrap(clientKey, earlyNegotiation);
        byte[] payload = AssertServerAnswers(server, ours, Opcode.ControlHardResetClientV3);
        // With the 0x0f marker the 2.6 server asks for the WKc again (EARLY_NEG_FLAGS = RESEND_WKC); without it, nothing.
        Assert.Equal(earlyNegotiation ? "000100020001" : "", Convert.ToHexStringLower(payload));
    }

    [Fact]
    public void TlsCryptV2_ClientKeyFromOtherServerKey_GetsNoAnswer()
    {
        var serverKey = TlsCryptV2ServerKey.Generate();
        File.WriteAllText(Path.Combine(_dir, "v2server.key"), serverKey.ToFileText());
        using var server = OpenVpnServerProcess.Start(_dir, "--tls-crypt-v2", "v2server.key");
        var foreign = TlsCryptV2ClientKey.Create(TlsCryptV2ServerKey.Generate(), TlsCryptV2Metadata.Timestamp(DateTimeOffset.UtcNow));
        using var ours = new TlsCryptV2ClientWrap(foreign);
        byte[] wire = new byte[2048];
        int n = ours.Wrap(ClientReset(Opcode.ControlHardResetClientV3, SessionId.NewRandom()), wire, Now);
        Assert.Null(server.Exchange(wire.AsSpan(0, n), TimeSpan.FromSeconds(1)));
    }
}
