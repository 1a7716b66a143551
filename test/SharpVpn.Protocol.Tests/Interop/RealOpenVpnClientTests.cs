using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;
using SharpVpn.Tls;
using Xunit.Abstractions;

namespace SharpVpn.Protocol.Tests.Interop;

/// <summary>
/// The referee the other way round: a real openvpn 2.6 client (--dev null) against OUR server-role session, driven by a
/// tiny UDP loop in the test that does what a UDP server runtime must: stateless reset reply, cookie check, then a session.
/// </summary>
[Trait("Category", "Interop")]
public sealed class RealOpenVpnClientTests : IClassFixture<EasyRsaPki>
{
    private readonly EasyRsaPki _pki;
    private readonly ITestOutputHelper _output;

    public RealOpenVpnClientTests(EasyRsaPki pki, ITestOutputHelper output)
    {
        _pki = pki;
        _output = output;
    }

    [Theory]
    [InlineData("tls-crypt")]
    [InlineData("tls-auth")]
    public void RealClient_AgainstOurServerSession_ConnectsAndPingsDecrypt(string mode)
    {
        var key = StaticKey.Parse(File.ReadAllText(_pki.StaticKeyPath), _pki.StaticKeyPath);
        Func<IControlChannelWrap> wrapFactory = mode == "tls-auth"
            ? () => new TlsAuth(key, KeyDirection.Normal, System.Security.Cryptography.HashAlgorithmName.SHA1)
            : () => new TlsCrypt(key, isServer: true);
        var cert = TlsCredentials.LoadCertificate(File.ReadAllText(_pki.CertPath("server")), File.ReadAllText(_pki.KeyPath("server")), null, "server", out var chain);
        var cas = TlsCredentials.LoadCertificates(File.ReadAllText(_pki.CaPath), _pki.CaPath);
        var crls = CertificateRevocationList.ParsePem(File.ReadAllText(_pki.CrlPath), _pki.CrlPath);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        string dir = Directory.CreateTempSubdirectory("sv-c2-client-").FullName;
        string log = Path.Combine(dir, "client.log");
        var psi = new ProcessStartInfo(OpenVpnServer.OpenVpnPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[]
        {
            "--client", "--dev", "null", "--ifconfig-noexec", "--route-noexec", "--nobind", "--proto", "udp",
            "--remote", "127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ca", _pki.CaPath, "--cert", _pki.CertPath("client1"), "--key", _pki.KeyPath("client1"),
            mode == "tls-auth" ? "--tls-auth" : "--tls-crypt", _pki.StaticKeyPath, mode == "tls-auth" ? "--key-direction" : "--verb", mode == "tls-auth" ? "1" : "4",
            "--remote-cert-tls", "server", "--verb", "4", "--log", log,
        })
        {
            psi.ArgumentList.Add(a);
        }

        var clock = Stopwatch.StartNew();
        uint netTime = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        IControlChannelWrap gateWrap = wrapFactory();
        SessionIdCookie cookie = SessionIdCookie.CreateRandom();
        TunnelSession? session = null;
        EndPoint peer = new IPEndPoint(IPAddress.Any, 0);
        var buffer = new byte[65536];
        var plain = new byte[65536];
        int pingsFromClient = 0;
        int decryptFailures = 0;
        int statelessReplies = 0;
        long connectedAt = -1;
        var events = new List<SessionEvent>();
        using Process p = Process.Start(psi)!;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                long now = clock.ElapsedMilliseconds;
                if (session is not null)
                {
                    session.PollTimers(now);
                    while (session.TryDequeueOutgoing(buffer, out int n))
                    {
                        socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, peer);
                    }
                    while (session.TryDequeueEvent(out SessionEvent? e))
                    {
                        events.Add(e);
                        if (e.Kind == SessionEventKind.PeerAuthenticationRequired)
                        {
                            Assert.Equal("client1", session.PeerCommonName);
                            session.AcceptPeer(["route-gateway 10.213.78.1", "topology subnet", "ping 1", "ping-restart 10", "ifconfig 10.213.78.2 255.255.255.0"], now);
                        }
                        else if (e.Kind == SessionEventKind.Connected)
                        {
                            connectedAt = now;
                        }
                        else if (e.Kind == SessionEventKind.PingDue && session.CurrentEncryptKey is { } k)
                        {
                            int n = k.Encrypt(DataChannelMessages.PingMagic, buffer, session.DataPeerId);
                            socket.SendTo(buffer.AsSpan(0, n), SocketFlags.None, peer);
                            session.NotifyDataSent(now);
                        }
                    }
                    if (session.OutgoingCount > 0)
                    {
                        continue;
                    }
                }
                if (pingsFromClient >= 3 && File.Exists(log) && OpenVpnServer.ReadShared(log).Contains("Initialization Sequence Completed", StringComparison.Ordinal)
                    && clock.ElapsedMilliseconds - connectedAt > 2500)
                {
                    break;
                }
                if (!socket.Poll(20_000, SelectMode.SelectRead))
                {
                    continue;
                }
                int len = socket.ReceiveFrom(buffer, ref peer);
                ReadOnlySpan<byte> datagram = buffer.AsSpan(0, len);
                now = clock.ElapsedMilliseconds;
                if (session is null)
                {
                    // Stateless gate (security.md #2): nothing is allocated until the cookie comes back.
                    if (!gateWrap.TryUnwrapStateless(datagram, plain, out int pl, out _)
                        || !ControlPacket.TryParse(plain.AsSpan(0, pl), out ControlPacket packet, out _))
                    {
                        continue;
                    }
                    byte[] address = AddressBytes((IPEndPoint)peer);
                    if (PacketHeader.IsClientHardReset(packet.Opcode))
                    {
                        var reply = new byte[256];
                        int rl = ServerHandshake.WriteStatelessResetReply(gateWrap, cookie.Compute(address, packet.SessionId, now),
                            packet.SessionId, false, netTime, reply);
                        socket.SendTo(reply.AsSpan(0, rl), SocketFlags.None, peer);
                        statelessReplies++;
                        continue;
                    }
                    if (!cookie.VerifyHandshakePacket(packet, address, now, out _))
                    {
                        continue;
                    }
                    session = TunnelSession.CreateServerFromCookie(new TunnelSessionOptions
                    {
                        IsServer = true,
                        TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
                        {
                            IsServer = true, Certificate = cert, CertificateChain = chain, TrustedCertificateAuthorities = cas,
                            RemoteCertTls = RemoteCertTls.Client, RevocationLists = crls,
                        }),
                        Wrap = wrapFactory(),
                        OptionsString = new OccOptionsString { Cipher = "AES-256-GCM", IsServer = true, TlsAuth = mode == "tls-auth" }.Build(),
                        PeerId = 3,
                        NetTimeSeconds = netTime,
                        PingIntervalMs = 1000,
                    }, packet.RemoteSessionId, packet.SessionId, now);
                    session.ProcessControl(datagram, now);
                    continue;
                }
                if (DataPacketHeader.IsData(datagram[0]))
                {
                    DataChannelKey? k = session.FindDecryptKey(datagram[0] & 7);
                    if (k is null || k.Decrypt(datagram, plain, now, out int pl) != DataDecryptResult.Ok)
                    {
                        decryptFailures++;
                        continue;
                    }
                    session.NotifyDataReceived(now);
                    if (DataChannelMessages.IsPing(plain.AsSpan(0, pl)))
                    {
                        pingsFromClient++;
                    }
                    continue;
                }
                session.ProcessControl(datagram, now);
            }
            string clientLog = File.Exists(log) ? OpenVpnServer.ReadShared(log) : string.Empty;
            _output.WriteLine($"[{mode}] stateless replies {statelessReplies}, session events: {string.Join("; ", events)}; pings from client {pingsFromClient}, decrypt failures {decryptFailures}");
            Assert.True(session is { IsConnected: true }, string.Join("; ", events) + "\n" + clientLog);
            Assert.Contains("Initialization Sequence Completed", clientLog, StringComparison.Ordinal);
            Assert.Contains("peer-id 3", clientLog, StringComparison.Ordinal);
            Assert.Contains("Data Channel: cipher 'AES-256-GCM'", clientLog, StringComparison.Ordinal);
            Assert.True(pingsFromClient >= 3, $"pings from client: {pingsFromClient}");
            Assert.Equal(0, decryptFailures);
            Assert.DoesNotContain("Decrypt error", clientLog, StringComparison.Ordinal);
            Assert.DoesNotContain("Authenticate/Decrypt packet error", clientLog, StringComparison.Ordinal);
            Assert.DoesNotContain("TLS Error", clientLog, StringComparison.Ordinal);
            foreach (string line in clientLog.Split('\n').Where(l => l.Contains("WARNING", StringComparison.Ordinal)))
            {
                _output.WriteLine("client: " + line.Trim());
            }
        }
        finally
        {
            p.Kill();
            p.WaitForExit(5000);
            session?.Dispose();
            (gateWrap as IDisposable)?.Dispose();
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    private static byte[] AddressBytes(IPEndPoint endpoint)
    {
        byte[] ip = endpoint.Address.GetAddressBytes();
        var result = new byte[ip.Length + 2];
        ip.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt16BigEndian(result.AsSpan(ip.Length), (ushort)endpoint.Port);
        return result;
    }
}
