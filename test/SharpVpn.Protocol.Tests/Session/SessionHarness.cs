using System.Security.Cryptography;
using SharpVpn.Config;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Tests.Tls;
using SharpVpn.Protocol.Wire;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Session;

/// <summary>Wire behaviour between the two sessions.</summary>
internal sealed record WireNoise(double Drop = 0, double Duplicate = 0, double Corrupt = 0, int MaxDelayMs = 0);

/// <summary>
/// A client session and a server session (created through the stateless cookie path, as a UDP server does) wired
/// together in memory under a fake millisecond clock; optionally through a noisy wire.
/// </summary>
internal sealed class SessionHarness : IDisposable
{
    private static readonly byte[] s_clientAddress = [127, 0, 0, 1, 0x30, 0x39];
    private readonly Random _random;
    private readonly WireNoise _noise;
    private readonly List<(long At, bool ToServer, byte[] Data)> _inFlight = new();
    private readonly SessionIdCookie _cookie = SessionIdCookie.CreateRandom();
    private readonly Func<bool, IControlChannelWrap> _wrapFactory;
    private readonly Func<TunnelSessionOptions, TunnelSessionOptions>? _serverTweak;
    private readonly IControlChannelWrap _statelessWrap;
    private long _nextSeq;

    public SessionHarness(WireNoise? noise = null, int seed = 1, string mode = "tls-auth",
        Func<TunnelSessionOptions, TunnelSessionOptions>? clientTweak = null,
        Func<TunnelSessionOptions, TunnelSessionOptions>? serverTweak = null)
    {
        _noise = noise ?? new WireNoise();
        _random = new Random(seed);
        var key = StaticKey.Generate();
        _wrapFactory = mode switch
        {
            "tls-auth" => isServer => new TlsAuth(key, isServer ? KeyDirection.Normal : KeyDirection.Inverse, HashAlgorithmName.SHA1),
            "tls-crypt" => isServer => new TlsCrypt(key, isServer),
            _ => _ => new NoControlWrap(),
        };
        _statelessWrap = _wrapFactory(true);
        _serverTweak = serverTweak;
        TestPki pki = TestPki.Shared;
        var clientOptions = new TunnelSessionOptions
        {
            IsServer = false,
            TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
            {
                IsServer = false, Certificate = pki.Client, TrustedCertificateAuthorities = pki.Trust(), RemoteCertTls = RemoteCertTls.Server,
            }),
            Wrap = _wrapFactory(false),
            OptionsString = new OccOptionsString { Cipher = "AES-256-GCM" }.Build(),
            PeerInfo = PeerInfo.BuildClient(CipherNegotiation.DefaultDataCiphers, IvProtoFlags.DataV2 | IvProtoFlags.RequestPush | IvProtoFlags.CcExitNotify),
            Username = "alice",
            Password = "secret",
            NetTimeSeconds = 1_700_000_000,
        };
        if (clientTweak is not null)
        {
            clientOptions = clientTweak(clientOptions);
        }
        Client = TunnelSession.CreateClient(clientOptions, Now);
    }

    public long Now { get; private set; } = 1_000_000;

    public TunnelSession Client { get; }

    public TunnelSession? Server { get; private set; }

    public List<SessionEvent> ClientEvents { get; } = new();

    public List<SessionEvent> ServerEvents { get; } = new();

    /// <summary>The client's timers: none configured (as its session options), then the push's, read as the runtime does.</summary>
    public KeepaliveSettings ClientTimers { get; private set; } = new();

    public IReadOnlyList<string> ServerPush { get; set; } = ["route 10.8.0.0 255.255.255.0", "topology subnet", "ping 10", "ping-restart 60", "ifconfig 10.8.0.2 255.255.255.0"];

    public bool RejectClient { get; set; }

    /// <summary>Server's answer to RenegotiationApprovalRequired: true accepts, false rejects, null leaves it pending.</summary>
    public Func<SessionEvent, bool?> RenegotiationApproval { get; set; } = _ => true;

    public int DroppedOnWire { get; private set; }

    public TunnelSessionOptions ServerOptions() => new()
    {
        IsServer = true,
        TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
        {
            IsServer = true, Certificate = TestPki.Shared.Server, TrustedCertificateAuthorities = TestPki.Shared.Trust(), RemoteCertTls = RemoteCertTls.Client,
        }),
        Wrap = _wrapFactory(true),
        OptionsString = new OccOptionsString { Cipher = "AES-256-GCM", IsServer = true }.Build(),
        PeerId = 7,
        NetTimeSeconds = 1_700_000_000,
    };

    /// <summary>Runs until <paramref name="until"/> returns true or the clock passes <paramref name="maxMs"/> more.</summary>
    public bool RunUntil(Func<bool> until, long maxMs = 120_000, long stepMs = 0)
    {
        long end = Now + maxMs;
        while (Now <= end)
        {
            Collect();
            if (until())
            {
                return true;
            }
            if (DeliverDue())
            {
                continue;
            }
            long next = Math.Min(NextWireTime(), Math.Min(Client.NextDeadlineMs, Server?.NextDeadlineMs ?? long.MaxValue));
            if (stepMs > 0)
            {
                next = Math.Min(next, Now + stepMs);
            }
            // Always move forward: a deadline in the past that a poll did not clear must not spin the test.
            Now = Math.Max(Now + 1, Math.Min(next, end + 1));
            Client.PollTimers(Now);
            Server?.PollTimers(Now);
            Collect();
        }
        return until();
    }

    /// <summary>Advances the clock by <paramref name="ms"/>, running everything due meanwhile.</summary>
    public void Advance(long ms, long stepMs = 1000) => RunUntil(() => false, ms, stepMs);

    private void Collect()
    {
        var buffer = new byte[4096];
        while (Client.TryDequeueOutgoing(buffer, out int n))
        {
            Send(true, buffer.AsSpan(0, n).ToArray());
        }
        if (Server is not null)
        {
            while (Server.TryDequeueOutgoing(buffer, out int n))
            {
                Send(false, buffer.AsSpan(0, n).ToArray());
            }
        }
        while (Client.TryDequeueEvent(out SessionEvent? e))
        {
            ClientEvents.Add(e);
            if (e.Kind == SessionEventKind.Connected)
            {
                ClientTimers = PulledKeepalive.Apply(Client, ClientTimers, e.PushedOptions ?? Client.PushedOptions);
            }
        }
        while (Server is not null && Server.TryDequeueEvent(out SessionEvent? e))
        {
            ServerEvents.Add(e);
            if (e.Kind == SessionEventKind.PeerAuthenticationRequired)
            {
                if (RejectClient)
                {
                    Server.RejectPeer("bad user", Now);
                }
                else
                {
                    Server.AcceptPeer(ServerPush, Now);
                }
            }
            else if (e.Kind == SessionEventKind.RenegotiationApprovalRequired)
            {
                bool? verdict = RenegotiationApproval(e);
                if (verdict == true)
                {
                    Server.AcceptRenegotiation(e.KeyId, Now);
                }
                else if (verdict == false)
                {
                    Server.RejectPeer("refused at renegotiation", Now);
                }
            }
        }
    }

    private void Send(bool toServer, byte[] data)
    {
        if (_random.NextDouble() < _noise.Drop)
        {
            DroppedOnWire++;
            return;
        }
        int copies = _random.NextDouble() < _noise.Duplicate ? 2 : 1;
        for (int i = 0; i < copies; i++)
        {
            byte[] d = data.ToArray();
            if (_random.NextDouble() < _noise.Corrupt)
            {
                d[_random.Next(d.Length)] ^= (byte)(1 << _random.Next(8));
            }
            long at = Now + (_noise.MaxDelayMs > 0 ? _random.Next(_noise.MaxDelayMs + 1) : 0);
            _inFlight.Add((at * 1_000_000 + (_nextSeq++ % 1_000_000), toServer, d));
        }
    }

    private long NextWireTime()
    {
        long min = long.MaxValue;
        foreach (var p in _inFlight)
        {
            min = Math.Min(min, p.At / 1_000_000);
        }
        return min;
    }

    private bool DeliverDue()
    {
        int best = -1;
        for (int i = 0; i < _inFlight.Count; i++)
        {
            if (_inFlight[i].At / 1_000_000 <= Now && (best < 0 || _inFlight[i].At < _inFlight[best].At))
            {
                best = i;
            }
        }
        if (best < 0)
        {
            return false;
        }
        var (_, toServer, data) = _inFlight[best];
        _inFlight.RemoveAt(best);
        if (toServer)
        {
            DeliverToServer(data);
        }
        else
        {
            Client.ProcessControl(data, Now);
        }
        Collect();
        return true;
    }

    /// <summary>What a UDP server runtime does: stateless reset reply, cookie check of the third packet, then a session.</summary>
    private void DeliverToServer(byte[] data)
    {
        if (Server is not null)
        {
            Server.ProcessControl(data, Now);
            return;
        }
        var plain = new byte[4096];
        if (!_statelessWrap.TryUnwrapStateless(data, plain, out int n, out _)
            || !ControlPacket.TryParse(plain.AsSpan(0, n), out ControlPacket packet, out _))
        {
            return;
        }
        if (PacketHeader.IsClientHardReset(packet.Opcode))
        {
            SessionId cookie = _cookie.Compute(s_clientAddress, packet.SessionId, Now);
            var reply = new byte[256];
            int len = ServerHandshake.WriteStatelessResetReply(_statelessWrap, cookie, packet.SessionId, false, 1_700_000_000, reply);
            Send(false, reply[..len]);
            return;
        }
        if (!_cookie.VerifyHandshakePacket(packet, s_clientAddress, Now, out _))
        {
            return;
        }
        TunnelSessionOptions options = ServerOptions();
        if (_serverTweak is not null)
        {
            options = _serverTweak(options);
        }
        Server = TunnelSession.CreateServerFromCookie(options, packet.RemoteSessionId, packet.SessionId, Now);
        Server.ProcessControl(data, Now);
    }

    /// <summary>Encrypts a payload on one side with its current key and decrypts it on the other.</summary>
    public (DataDecryptResult Result, byte[] Payload) SendData(bool fromClient, ReadOnlySpan<byte> payload)
    {
        TunnelSession from = fromClient ? Client : Server!;
        TunnelSession to = fromClient ? Server! : Client;
        DataChannelKey key = from.CurrentEncryptKey ?? throw new InvalidOperationException("No encryption key.");
        var packet = new byte[payload.Length + 64];
        int n = key.Encrypt(payload, packet, from.DataPeerId);
        from.NotifyDataSent(Now);
        DataChannelKey? dec = to.FindDecryptKey(packet[0] & 7);
        if (dec is null)
        {
            return (DataDecryptResult.WrongKeyId, []);
        }
        var plain = new byte[payload.Length + 64];
        DataDecryptResult r = dec.Decrypt(packet.AsSpan(0, n), plain, Now, out int len);
        if (r == DataDecryptResult.Ok)
        {
            to.NotifyDataReceived(Now);
        }
        return (r, plain[..len]);
    }

    public void Dispose()
    {
        Client.Dispose();
        Server?.Dispose();
        (_statelessWrap as IDisposable)?.Dispose();
    }
}
