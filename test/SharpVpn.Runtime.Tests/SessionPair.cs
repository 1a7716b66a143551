using SharpVpn.DataChannel;
using SharpVpn.Protocol.Control;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Tests;

/// <summary>A client and a server <see cref="TunnelSession"/> handshaken in memory, so their data keys are real.</summary>
internal sealed class SessionPair : IDisposable
{
    private long _now = 1_000;

    public SessionPair(string cipher = "AES-256-GCM", IReadOnlyList<string>? pushOptions = null)
    {
        TestCertificates pki = TestCertificates.Shared;
        IReadOnlyList<string> ciphers = [cipher];
        Client = TunnelSession.CreateClient(new TunnelSessionOptions
        {
            IsServer = false,
            TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
            {
                IsServer = false,
                Certificate = pki.Client,
                TrustedCertificateAuthorities = [pki.Ca],
                RemoteCertTls = RemoteCertTls.Server,
            }),
            Wrap = new NoControlWrap(),
            OptionsString = new OccOptionsString { Cipher = cipher, DataCiphers = ciphers }.Build(),
            DataCiphers = ciphers,
            PeerInfo = PeerInfo.BuildClient(ciphers, IvProtoFlags.DataV2 | IvProtoFlags.RequestPush),
        }, _now);
        Server = TunnelSession.CreateServer(new TunnelSessionOptions
        {
            IsServer = true,
            TlsEngineFactory = () => new SslStreamTlsEngine(new TlsEngineOptions
            {
                IsServer = true,
                Certificate = pki.Server,
                TrustedCertificateAuthorities = [pki.Ca],
                RemoteCertTls = RemoteCertTls.Client,
            }),
            Wrap = new NoControlWrap(),
            OptionsString = new OccOptionsString { Cipher = cipher, DataCiphers = ciphers, IsServer = true }.Build(),
            DataCiphers = ciphers,
            PeerId = 7,
        }, _now);

        byte[] buffer = new byte[8192];
        bool clientConnected = false;
        bool serverConnected = false;
        for (int round = 0; round < 200 && !(clientConnected && serverConnected); round++)
        {
            _now += 10;
            Client.PollTimers(_now);
            Server.PollTimers(_now);
            while (Client.TryDequeueOutgoing(buffer, out int n))
            {
                Server.ProcessControl(buffer.AsSpan(0, n), _now);
            }

            while (Server.TryDequeueOutgoing(buffer, out int n))
            {
                Client.ProcessControl(buffer.AsSpan(0, n), _now);
            }

            while (Server.TryDequeueEvent(out SessionEvent e))
            {
                if (e.Kind == SessionEventKind.PeerAuthenticationRequired)
                {
                    Server.AcceptPeer(pushOptions ?? ["topology subnet", "ifconfig 10.8.0.2 255.255.255.0"], _now);
                }
                else if (e.Kind == SessionEventKind.Connected)
                {
                    serverConnected = true;
                }
            }

            while (Client.TryDequeueEvent(out SessionEvent e))
            {
                clientConnected |= e.Kind == SessionEventKind.Connected;
            }
        }

        if (!clientConnected || !serverConnected)
        {
            throw new InvalidOperationException($"in-memory handshake did not finish (client {clientConnected}, server {serverConnected})");
        }
    }

    public TunnelSession Client { get; }

    public TunnelSession Server { get; }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
