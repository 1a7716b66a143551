using SharpVpn.DataChannel;
using SharpVpn.Platform.Transport;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// One accepted TCP connection (proto tcp-server), on its own thread:
/// <code>
///  first packet (within hand-window) -> HandshakeGate (client hard reset + HMAC/tag) -> control loop creates the client
///  then: P_DATA -> ServerInbound (decrypt, route); control -> control loop; EOF/error -> LinkClosed
/// </code>
/// A connection whose first packet fails the check is closed without a reply and leaves no state.
/// </summary>
internal sealed class ServerTcpConnection
{
    private readonly ServerEngine _engine;
    private readonly TcpTransport _tcp;
    private readonly HandshakeGate _gate;
    private readonly PacketBufferPool _pool;
    private readonly ManualResetEventSlim _assigned = new(false);
    private readonly Thread _thread;
    private volatile ServerClient? _client;

    public ServerTcpConnection(ServerEngine engine, TcpTransport tcp, HandshakeGate gate, PacketBufferPool pool)
    {
        _engine = engine;
        _tcp = tcp;
        _gate = gate;
        _pool = pool;
        _thread = new Thread(Run) { IsBackground = true, Name = "ServerTcpConnection" };
    }

    public TcpTransport Transport => _tcp;

    public void Start() => _thread.Start();

    /// <summary>Control loop: the client created for this connection (null: refused; the connection closes).</summary>
    public void Assign(ServerClient? client)
    {
        _client = client;
        _assigned.Set();
    }

    private void Run()
    {
        byte[] buffer = new byte[Math.Max(_pool.BufferBytes, Protocol.ProtocolConstants.MaxControlPacketBytes + Protocol.ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes)];
        var inbound = new ServerInbound(_engine, _pool.BufferBytes);
        ServerClient? client = null;
        bool relayed = false;
        try
        {
            _tcp.Socket.ReceiveTimeout = _engine.HandWindowMs;
            if (_engine.PortShare is { } share && !IsOpenVpnClient())
            {
                string from = Shared.OpenVpnAddress.Format(_tcp.RemoteEndPoint);
                if (!(relayed = _engine.TryStartRelay()))
                {
                    _engine.LogPortShareRelay($"{from} Non-OpenVPN client protocol detected: closed, {ServerEngine.MaxPortShareRelays} relays are open");
                    return;
                }

                _engine.LogPortShareRelay($"{from} Non-OpenVPN client protocol detected: relaying to {share.Host}:{share.Port}");
                PortShareRelay.Run(_tcp.Socket, share, TimeSpan.FromMilliseconds(_engine.HandWindowMs), _engine.LogPortShare);
                return;
            }

            int n = _tcp.Receive(buffer);
            if (n <= 0)
            {
                return;
            }

            GateResult result = _gate.CheckStreamFirstPacket(buffer.AsSpan(0, n));
            if (result.Verdict != GateVerdict.CreateStateful)
            {
                return;
            }

            _engine.EnqueueControl(new ControlWork(ControlWorkKind.NewClient, buffer.AsSpan(0, n).ToArray(), Gate: result,
                Address: new ClientAddress(PeerEndpoint.From(_tcp.RemoteEndPoint), PeerEndpoint.From(_tcp.RemoteEndPoint).ToSocketAddress(_tcp.Socket.AddressFamily)),
                Tcp: this));
            if (!_assigned.Wait(TimeSpan.FromMilliseconds(_engine.HandWindowMs)) || _client is null)
            {
                return;
            }

            client = _client;
            _tcp.Socket.ReceiveTimeout = 0;
            // Connected: handle every whole packet one receive brought in (the rest in place, without a copy), then
            // write the TUN batch, so the packets of one receive merge into super-segments.
            while (true)
            {
                n = _tcp.Receive(buffer);
                if (n <= 0)
                {
                    break;
                }

                Handle(inbound, client, buffer.AsSpan(0, n));
                while (_tcp.TryTakeReceived(out ReadOnlySpan<byte> packet))
                {
                    Handle(inbound, client, packet);
                }

                inbound.FlushTun();
            }

            _engine.EnqueueControl(new ControlWork(ControlWorkKind.LinkClosed, [], client, Reason: "Connection reset, restarting"));
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException or ObjectDisposedException or InvalidDataException)
        {
            // The peer went away, sent a bad frame or the server is shutting down: this connection ends.
            if (client is not null)
            {
                _engine.EnqueueControl(new ControlWork(ControlWorkKind.LinkClosed, [], client, Reason: $"Connection reset: {ex.Message}"));
            }
        }
        finally
        {
            if (client is null)
            {
                _tcp.Dispose();
            }

            if (relayed)
            {
                _engine.RelayEnded();
            }
            else
            {
                _engine.TcpConnectionEnded();
            }
        }
    }

    /// <summary>port-share: looks at the first bytes without taking them, so either reader gets the whole stream.</summary>
    private bool IsOpenVpnClient()
    {
        Span<byte> first = stackalloc byte[3];
        int n = _tcp.Socket.Receive(first, System.Net.Sockets.SocketFlags.Peek);
        return PortShareRelay.LooksLikeOpenVpn(first[..n]);
    }

    private void Handle(ServerInbound inbound, ServerClient client, ReadOnlySpan<byte> packet)
    {
        int opcode = packet[0] >> DataPacketHeader.OpcodeShift;
        if (opcode is DataPacketHeader.OpcodeDataV1 or DataPacketHeader.OpcodeDataV2)
        {
            if (!client.Closing)
            {
                inbound.OnData(client, packet, null, default);
            }
        }
        else
        {
            _engine.EnqueueControl(new ControlWork(ControlWorkKind.Packet, packet.ToArray(), client));
        }
    }
}
