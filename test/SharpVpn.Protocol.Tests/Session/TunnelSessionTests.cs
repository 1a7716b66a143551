using SharpVpn.DataChannel;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.Tests.Tls;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Session;

public class TunnelSessionTests
{
    [Theory]
    [InlineData("tls-auth")]
    [InlineData("tls-crypt")]
    [InlineData("none")]
    public void Handshake_ClientAndServer_AgreeOnKeysAndPush(string mode)
    {
        using var h = new SessionHarness(mode: mode);
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }), string.Join("; ", h.ClientEvents.Concat(h.ServerEvents)));

        Assert.Equal("AES-256-GCM", h.Client.DataCipher);
        Assert.Equal("AES-256-GCM", h.Server!.DataCipher);
        Assert.Equal(7, h.Client.DataPeerId);
        Assert.Equal(7, h.Server.DataPeerId);
        Assert.Equal("alice", h.Server.PeerUsername);
        Assert.Equal("secret", h.Server.PeerPassword);
        Assert.Equal("client1", h.Server.PeerCommonName);
        Assert.Equal("server", h.Client.PeerCommonName);
        Assert.Contains("ifconfig 10.8.0.2 255.255.255.0", h.Client.PushedOptions);
        Assert.Contains("peer-id 7", h.Client.PushedOptions);
        Assert.Contains("cipher AES-256-GCM", h.Client.PushedOptions);
        Assert.True(h.Client.UsesControlChannelExit);
        Assert.Contains(h.ClientEvents, e => e.Kind == SessionEventKind.Connected && e.PushedOptions!.Contains("topology subnet"));

        var (r1, p1) = h.SendData(fromClient: true, DataChannelMessages.PingMagic);
        Assert.Equal(DataDecryptResult.Ok, r1);
        Assert.True(DataChannelMessages.IsPing(p1));
        var (r2, p2) = h.SendData(fromClient: false, "hello from server"u8);
        Assert.Equal(DataDecryptResult.Ok, r2);
        Assert.Equal("hello from server"u8.ToArray(), p2);
        Assert.Equal(0, h.Client.DroppedPackets);
        Assert.Equal(0, h.Server.DroppedPackets);
    }

    [Fact]
    public void Server_RejectPeer_ClientGetsAuthFailedAndNoKeys()
    {
        using var h = new SessionHarness { RejectClient = true };
        Assert.True(h.RunUntil(() => h.Client.IsClosed));
        SessionEvent closed = Assert.Single(h.ClientEvents, e => e.Kind == SessionEventKind.Closed);
        Assert.Equal(OpenVpnError.AuthenticationFailed, closed.Error);
        Assert.Contains("bad user", closed.Message, StringComparison.Ordinal);
        Assert.Null(h.Client.CurrentEncryptKey);
        Assert.Null(h.Server!.CurrentEncryptKey);
    }

    [Fact]
    public void Ncp_NoSharedCipher_FailsWithClearReason()
    {
        using var h = new SessionHarness(
            clientTweak: o => new TunnelSessionOptions
            {
                IsServer = false, TlsEngineFactory = o.TlsEngineFactory, Wrap = o.Wrap, OptionsString = o.OptionsString,
                DataCiphers = ["CHACHA20-POLY1305"], NetTimeSeconds = o.NetTimeSeconds,
                PeerInfo = SharpVpn.Protocol.Control.PeerInfo.BuildClient(["CHACHA20-POLY1305"], SharpVpn.Protocol.Control.IvProtoFlags.DataV2),
            },
            serverTweak: o => new TunnelSessionOptions
            {
                IsServer = true, TlsEngineFactory = o.TlsEngineFactory, Wrap = o.Wrap, OptionsString = o.OptionsString,
                DataCiphers = ["AES-256-GCM"], NetTimeSeconds = o.NetTimeSeconds,
            });
        Assert.True(h.RunUntil(() => h.Client.IsClosed));
        Assert.True(h.ClientEvents.Any(e => e.Error == OpenVpnError.AuthenticationFailed && e.Message!.Contains("cipher", StringComparison.Ordinal)),
            string.Join("; ", h.ClientEvents.Concat(h.ServerEvents)) + $" server={h.Server is not null} drops={h.Client.DroppedPackets}/{h.Server?.DroppedPackets} last={h.Client.LastDropReason}");
    }

    [Fact]
    public void Renegotiation_ServerInitiated_RotatesKeyIdsAndKeepsDataFlowing()
    {
        using var h = new SessionHarness(serverTweak: o => WithReneg(o, 10_000));
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        var seenKeyIds = new HashSet<int>();
        for (int i = 0; i < 100; i++)
        {
            h.Advance(1000, stepMs: 250);
            Assert.False(h.Client.IsClosed, string.Join("; ", h.ClientEvents));
            var (r1, _) = h.SendData(true, "c2s"u8);
            var (r2, _) = h.SendData(false, "s2c"u8);
            Assert.Equal(DataDecryptResult.Ok, r1);
            Assert.Equal(DataDecryptResult.Ok, r2);
            seenKeyIds.Add(h.Client.CurrentKeyId);
        }
        Assert.True(h.Server!.KeyChanges >= 8, $"only {h.Server.KeyChanges} key changes");
        Assert.True(h.Client.KeyChanges >= 8);
        Assert.NotEqual(0, h.Client.CurrentKeyId); // key_id wraps 7 -> 1, never back to 0
        Assert.Contains(7, seenKeyIds);
        Assert.Contains(1, seenKeyIds);
    }

    [Fact]
    public void Renegotiation_ClientInitiatedByPacketCount_Works()
    {
        using var h = new SessionHarness(clientTweak: o => WithReneg(o, 0, packets: 50));
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        for (int i = 0; i < 60; i++)
        {
            Assert.Equal(DataDecryptResult.Ok, h.SendData(true, "x"u8).Result);
        }
        h.Advance(5000, stepMs: 200);
        Assert.Equal(1, h.Client.CurrentKeyId);
        Assert.Equal(1, h.Server!.CurrentKeyId);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(true, "y"u8).Result);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(false, "z"u8).Result);
    }

    [Theory]
    [InlineData(1, "tls-auth")]
    [InlineData(2, "tls-crypt")]
    [InlineData(3, "tls-auth")]
    public void NoisyWire_ManyRenegotiations_SessionSurvivesAndKeysAgree(int seed, string mode)
    {
        var noise = new WireNoise(Drop: 0.1, Duplicate: 0.05, Corrupt: 0.05, MaxDelayMs: 80);
        using var h = new SessionHarness(noise, seed, mode, serverTweak: o => WithReneg(o, 15_000));
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }), string.Join("; ", h.ClientEvents));
        int ok = 0;
        for (int i = 0; i < 240; i++)
        {
            h.Advance(1000, stepMs: 100);
            Assert.False(h.Client.IsClosed, string.Join("; ", h.ClientEvents));
            Assert.False(h.Server!.IsClosed, string.Join("; ", h.ServerEvents));
            var (r1, _) = h.SendData(true, "c2s"u8);
            var (r2, _) = h.SendData(false, "s2c"u8);
            Assert.Equal(DataDecryptResult.Ok, r1);
            Assert.Equal(DataDecryptResult.Ok, r2);
            ok++;
        }
        Assert.True(h.Server!.KeyChanges >= 10, $"only {h.Server.KeyChanges} key changes");
        Assert.True(h.DroppedOnWire > 5);
        Assert.True(h.Client.DroppedPackets + h.Server.DroppedPackets > 0, "corrupted packets must be dropped by the wrap");
        Assert.Equal(240, ok);
    }

    [Fact]
    public void Keepalive_PingDueAndPingRestart()
    {
        using var h = new SessionHarness();
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        // Client took ping 10 / ping-restart 60 from the push.
        Assert.Equal((10, 60, 0), (h.ClientTimers.PingSeconds, h.ClientTimers.PingRestartSeconds, h.ClientTimers.PingExitSeconds));
        h.Advance(11_000, stepMs: 500);
        Assert.Contains(h.ClientEvents, e => e.Kind == SessionEventKind.PingDue);
        h.Advance(70_000, stepMs: 1000);
        SessionEvent closed = Assert.Single(h.ClientEvents, e => e.Kind == SessionEventKind.Closed);
        Assert.Equal(OpenVpnError.PingRestart, closed.Error);
    }

    [Fact]
    public void PushedPingExitAfterPingRestart_TakesTheOneTimer_TheSessionDoesNotRestart()
    {
        // OpenVPN has one ping-receive timer (ping_rec_timeout + action): a ping-exit pushed after ping-restart
        // replaces it; the exit itself is the client engine's (SessionLimits).
        using var h = new SessionHarness();
        h.ServerPush = [.. h.ServerPush, "ping-exit 30"];
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        Assert.Equal((0, 30), (h.ClientTimers.PingRestartSeconds, h.ClientTimers.PingExitSeconds));
        h.Advance(70_000, stepMs: 1000);
        Assert.DoesNotContain(h.ClientEvents, e => e.Kind == SessionEventKind.Closed);
    }

    [Fact]
    public void SetKeepalive_ChangesThePeriods_TheLastReceivedStampKeepsCounting()
    {
        using var h = new SessionHarness();
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        h.Advance(4_000, stepMs: 1000);
        h.Client.SetKeepalive(pingIntervalMs: 0, pingRestartMs: 5_000);
        // Nothing received since the connection, 4 s ago: the restart comes 1 s later, not 5 s.
        Assert.True(h.RunUntil(() => h.Client.IsClosed, 1_500, stepMs: 100));
        Assert.Equal(OpenVpnError.PingRestart, Assert.Single(h.ClientEvents, e => e.Kind == SessionEventKind.Closed).Error);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Client.SetKeepalive(-1, 0));
    }

    [Fact]
    public void ExitNotify_OverControlChannel_ClosesServerSession()
    {
        using var h = new SessionHarness();
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        Assert.True(h.Client.SendExitNotify(h.Now));
        Assert.True(h.RunUntil(() => h.Server!.IsClosed, 10_000));
        Assert.Contains(h.ServerEvents, e => e.Error == OpenVpnError.PeerExit);
    }

    [Fact]
    public void ServerRestartMessage_ClosesClientWithPeerRestart()
    {
        using var h = new SessionHarness();
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        h.Server!.SendControlMessage("RESTART", h.Now);
        Assert.True(h.RunUntil(() => h.Client.IsClosed, 10_000));
        Assert.Contains(h.ClientEvents, e => e.Error == OpenVpnError.PeerRestart);
    }

    [Fact]
    public void HandWindow_NoServer_ClientTimesOut()
    {
        using var h = new SessionHarness(new WireNoise(Drop: 1.0));
        Assert.True(h.RunUntil(() => h.Client.IsClosed, 70_000));
        Assert.Contains(h.ClientEvents, e => e.Error == OpenVpnError.HandshakeTimeout);
    }

    [Fact]
    public void Renegotiation_WithApproval_NewKeyWaitsForTheRuntime_OldKeyCarriesDataMeanwhile_RefusalEndsWithAuthFailed()
    {
        var pending = new List<SessionEvent>();
        bool? verdict = null;
        using var h = new SessionHarness(serverTweak: o => WithReneg(o, 10_000, approve: true))
        {
            RenegotiationApproval = e =>
            {
                pending.Add(e);
                return verdict;
            },
        };
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));

        // The renegotiation's TLS and key method 2 finish; the server keeps key 0 until the runtime approves key 1.
        Assert.True(h.RunUntil(() => pending.Count == 1, 20_000, 250));
        Assert.Equal(1, pending[0].KeyId);
        Assert.Equal("alice", h.Server!.RenegotiationUsername);
        Assert.Equal("secret", h.Server.RenegotiationPassword);
        h.Advance(2000, stepMs: 250);
        Assert.Equal(0, h.Server.CurrentEncryptKey!.KeyId);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(false, "s2c on key 0"u8).Result);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(true, "c2s"u8).Result);

        h.Server.AcceptRenegotiation(1, h.Now);
        h.Advance(1000, stepMs: 250);
        Assert.Equal(1, h.Server.CurrentEncryptKey!.KeyId);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(false, "s2c on key 1"u8).Result);

        // The next renegotiation is refused: AUTH_FAILED reaches the client and the session ends.
        verdict = false;
        Assert.True(h.RunUntil(() => h.Client.IsClosed, 30_000, 250));
        SessionEvent closed = Assert.Single(h.ClientEvents, e => e.Kind == SessionEventKind.Closed);
        Assert.Equal(OpenVpnError.AuthenticationFailed, closed.Error);
        Assert.Equal(2, pending.Count);
    }

    [Fact]
    public void AuthToken_PushedTokenReplacesThePasswordAtRenegotiation_RenewalsAreTaken_AndNeverRideAKeyBeforeItsRecord()
    {
        var pending = new List<SessionEvent>();
        bool? verdict = null;
        using var h = new SessionHarness(serverTweak: o => WithReneg(o, 10_000, approve: true))
        {
            ServerPush = ["ifconfig 10.8.0.2 255.255.255.0", "auth-token SESS_ID_AT_first", "auth-token-user Ym9i"], // "bob"
            RenegotiationApproval = e =>
            {
                pending.Add(e);
                return verdict;
            },
        };
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        Assert.Equal("SESS_ID_AT_first", h.Client.AuthToken);
        Assert.Equal("bob", h.Client.AuthTokenUser);
        Assert.True(h.Client.SendsAuthToken);
        Assert.Equal("secret", h.Server!.PeerPassword); // the first login used the password

        // Key 1 waits for approval: a renewal sent now must go on key 0 (the client reads key 1's first plaintext as
        // the server's key-method-2 record, which is written only on approval).
        Assert.True(h.RunUntil(() => pending.Count == 1, 20_000, 250));
        Assert.Equal("bob", h.Server.RenegotiationUsername);
        Assert.Equal("SESS_ID_AT_first", h.Server.RenegotiationPassword);
        h.Server.SendControlMessage("PUSH_REPLY,auth-token SESS_ID_AT_second", h.Now);
        h.Advance(1000, stepMs: 250);
        Assert.Equal("SESS_ID_AT_second", h.Client.AuthToken);
        h.Server.AcceptRenegotiation(1, h.Now);
        h.Advance(1000, stepMs: 250);
        Assert.Equal(1, h.Server.CurrentEncryptKey!.KeyId);
        Assert.Equal(DataDecryptResult.Ok, h.SendData(false, "s2c on key 1"u8).Result);
        Assert.True(h.Client.IsConnected);

        // A renewal on the active key; the next renegotiation sends it.
        h.Server.SendControlMessage("PUSH_REPLY,auth-token SESS_ID_AT_third", h.Now);
        verdict = true;
        Assert.True(h.RunUntil(() => pending.Count == 2, 20_000, 250));
        Assert.Equal("SESS_ID_AT_third", h.Server.RenegotiationPassword);
        Assert.Equal("SESS_ID_AT_third", h.Client.AuthToken);
    }

    [Fact]
    public void AuthToken_CarriedIntoANewConnection_IsTheFirstLogin_WithoutCredentialsNothingIsSent()
    {
        using var h = new SessionHarness(clientTweak: o => WithToken(o, "SESS_ID_AT_carried", "carol", withCredentials: true));
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        Assert.Equal("carol", h.Server!.PeerUsername);
        Assert.Equal("SESS_ID_AT_carried", h.Server.PeerPassword);

        // A config without auth-user-pass sends no credentials, token or not (as OpenVPN: the token replaces a password).
        using var bare = new SessionHarness(clientTweak: o => WithToken(o, "SESS_ID_AT_carried", null, withCredentials: false));
        Assert.True(bare.RunUntil(() => bare.Client.IsConnected && bare.Server is { IsConnected: true }));
        Assert.Null(bare.Server!.PeerPassword);
        Assert.False(bare.Client.SendsAuthToken);

        static TunnelSessionOptions WithToken(TunnelSessionOptions o, string token, string? user, bool withCredentials) => new()
        {
            IsServer = false,
            TlsEngineFactory = o.TlsEngineFactory,
            Wrap = o.Wrap,
            OptionsString = o.OptionsString,
            PeerInfo = o.PeerInfo,
            NetTimeSeconds = o.NetTimeSeconds,
            Username = withCredentials ? o.Username : null,
            Password = withCredentials ? o.Password : null,
            AuthToken = token,
            AuthTokenUser = user,
        };
    }

    [Fact]
    public void Renegotiation_WithoutApproval_ActivatesAtOnceAndRaisesNoApprovalEvent()
    {
        using var h = new SessionHarness(serverTweak: o => WithReneg(o, 10_000)) { RenegotiationApproval = _ => throw new InvalidOperationException("not expected") };
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));
        h.Advance(12_000, stepMs: 250);
        Assert.Equal(1, h.Server!.CurrentKeyId);
        Assert.DoesNotContain(h.ServerEvents, e => e.Kind == SessionEventKind.RenegotiationApprovalRequired);
    }

    [Fact]
    public void Renegotiation_WithAnotherValidCertificate_EndsTheSessionOnTheServer()
    {
        // The client's second TLS engine presents another certificate of the same CA (valid, different CN).
        int engines = 0;
        using var h = new SessionHarness(
            clientTweak: o => o with
            {
                TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
                {
                    IsServer = false,
                    Certificate = engines++ == 0 ? TestPki.Shared.Client : TestPki.Shared.RevokedClient,
                    TrustedCertificateAuthorities = TestPki.Shared.Trust(),
                    RemoteCertTls = RemoteCertTls.Server,
                }),
            },
            serverTweak: o => WithReneg(o, 10_000));
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }));

        Assert.True(h.RunUntil(() => h.Server!.IsClosed, maxMs: 30_000), "the server kept the session");

        SessionEvent closed = Assert.Single(h.ServerEvents, e => e.Kind == SessionEventKind.Closed);
        Assert.Equal(OpenVpnError.AuthenticationFailed, closed.Error);
        Assert.Equal("TLS Auth Error: TLS object CN attempted to change from 'client1' to 'revoked' -- tunnel disabled", closed.Message);
        Assert.True(engines >= 2);
    }

    private static TunnelSessionOptions WithReneg(TunnelSessionOptions o, long ms, long packets = 0, bool approve = false) => new()
    {
        IsServer = o.IsServer,
        ApproveRenegotiations = approve,
        TlsEngineFactory = o.TlsEngineFactory,
        Wrap = o.Wrap,
        OptionsString = o.OptionsString,
        PeerInfo = o.PeerInfo,
        Username = o.Username,
        Password = o.Password,
        PeerId = o.PeerId,
        NetTimeSeconds = o.NetTimeSeconds,
        RenegotiateMs = ms,
        RenegotiatePackets = packets,
    };

    [Theory]
    [InlineData("tls-crypt")]
    [InlineData("tls-auth")]
    public void PrestartTls_HelloWaitsForTheServerReset_ThenTheHandshakeCompletes(string mode)
    {
        using var h = new SessionHarness(mode: mode);
        h.Client.PrestartTls();
        h.Client.PrestartTls(); // idempotent
        h.Client.PollTimers(h.Now);
        // The opcode byte leads every packet in the clear (tls-auth and tls-crypt alike): only our reset may leave
        // before the server's reset arrived, although the engine holds a ClientHello by now.
        var buffer = new byte[4096];
        var opcodes = new List<int>();
        while (h.Client.TryDequeueOutgoing(buffer, out int _))
        {
            opcodes.Add(buffer[0] >> 3);
        }
        Assert.Equal([(int)SharpVpn.Protocol.Wire.Opcode.ControlHardResetClientV2], opcodes);

        // The reset taken above is lost on the wire: its retransmission starts the exchange, TLS data follows the reply.
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }), string.Join("; ", h.ClientEvents.Concat(h.ServerEvents)));
        Assert.Equal("server", h.Client.PeerCommonName);
        Assert.Equal(0, h.Server!.DroppedPackets);
    }

    [Fact]
    public void PrestartTls_OnALossyWire_StillConnects()
    {
        using var h = new SessionHarness(new WireNoise(Drop: 0.2, Duplicate: 0.1, MaxDelayMs: 30), seed: 7, mode: "tls-crypt");
        h.Client.PrestartTls();
        Assert.True(h.RunUntil(() => h.Client.IsConnected && h.Server is { IsConnected: true }), string.Join("; ", h.ClientEvents.Concat(h.ServerEvents)));
    }
}
