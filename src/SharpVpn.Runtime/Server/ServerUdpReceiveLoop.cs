using System.Net;
using System.Net.Sockets;
using SharpVpn.DataChannel;
using SharpVpn.Platform.Threading;
using SharpVpn.Platform.Transport;
using SharpVpn.Protocol.Wire;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Stage 1 of the server's UDP inbound path (style.md §3), one dedicated thread:
/// <code>
///  recvmmsg batch (source address per datagram, reused SocketAddress objects)
///   P_DATA_V2   -> client by peer-id (float check by address)      -> ServerInbound (decrypt, route)
///   P_DATA_V1   -> client by address                               -> ServerInbound
///   control     -> known address: copy to the control loop; unknown: HandshakeGate (stateless reply or create)
/// </code>
/// A malformed datagram is dropped and counted; nothing a peer sends ends this loop.
/// </summary>
internal sealed class ServerUdpReceiveLoop
{
    private readonly ServerEngine _engine;
    private readonly UdpTransport _udp;
    private readonly PacketBufferPool _pool;
    private readonly HandshakeGate _gate;
    private readonly ServerInbound _inbound;
    private readonly Thread _thread;
    private readonly byte[] _reply = new byte[512];

    public ServerUdpReceiveLoop(ServerEngine engine, UdpTransport udp, PacketBufferPool pool, HandshakeGate gate)
    {
        _engine = engine;
        _udp = udp;
        _pool = pool;
        _gate = gate;
        _inbound = new ServerInbound(engine, pool.BufferBytes);
        _thread = new Thread(Run) { IsBackground = true, Name = "ServerUdpReceiveLoop" };
    }

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        int batch = DataPathLayout.BatchSize;
        byte[][] buffers = _pool.RentBatch(batch);
        int[] sizes = new int[batch];
        var from = new SocketAddress[batch];
        for (int i = 0; i < batch; i++)
        {
            from[i] = _udp.CreateSocketAddress();
        }

        SparseCoLocation.Member placement = SparseCoLocation.Process.Join();
        try
        {
            while (true)
            {
                int count = _udp.ReceiveBatch(buffers, sizes, from, 0);
                if (count < 0)
                {
                    return;
                }

                placement.OnBatch(count);

                for (int i = 0; i < count; i++)
                {
                    if (sizes[i] <= 0)
                    {
                        continue;
                    }

                    try
                    {
                        Dispatch(buffers[i].AsSpan(0, sizes[i]), from[i]);
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // security.md #1: one peer's packet never stops the loop (a closed socket ends it at the next receive).
                        _engine.OnPacketFault(ex);
                    }
                }

                _inbound.FlushTun();
            }
        }
        catch (ObjectDisposedException)
        {
            // The socket was closed by shutdown.
        }
        catch (Exception ex)
        {
            _engine.OnLoopFault("UDP receive", ex);
        }
        finally
        {
            _pool.ReturnBatch(buffers);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> packet, SocketAddress from)
    {
        if (!PeerEndpoint.TryFrom(from, out PeerEndpoint endpoint))
        {
            _engine.CountDropped();
            return;
        }

        int opcode = packet[0] >> DataPacketHeader.OpcodeShift;
        if (opcode == DataPacketHeader.OpcodeDataV2)
        {
            if (packet.Length < DataPacketHeader.V2Length)
            {
                _engine.CountDropped();
                return;
            }

            int peerId = (packet[1] << 16) | (packet[2] << 8) | packet[3];
            ServerClient? client = _engine.Routes.FindByPeerId(peerId);
            if (client is null || client.Closing || client.Tcp is not null)
            {
                _engine.CountDropped();
                return;
            }

            bool moved = client.Address.Endpoint != endpoint;
            _inbound.OnData(client, packet, moved ? from : null, endpoint);
            return;
        }

        ServerClient? known = _engine.Routes.FindByEndpoint(endpoint);
        if (opcode == DataPacketHeader.OpcodeDataV1)
        {
            if (known is null || known.Closing)
            {
                _engine.CountDropped();
                return;
            }

            _inbound.OnData(known, packet, null, endpoint);
            return;
        }

        if (known is not null && !known.Closing && !IsRestartOf(known, packet))
        {
            _engine.EnqueueControl(new ControlWork(ControlWorkKind.Packet, packet.ToArray(), known));
            return;
        }

        ReadOnlySpan<byte> sockaddr = from.Buffer.Span[..from.Size];
        GateResult result = _gate.CheckDatagram(packet, sockaddr, MonotonicClock.NowMs, _engine.NetTime, _reply);
        switch (result.Verdict)
        {
            case GateVerdict.Reply:
                _udp.SendTo(_reply.AsSpan(0, result.ReplyLength), from);
                break;
            case GateVerdict.CreateFromCookie or GateVerdict.CreateStateful:
                var copy = new SocketAddress(from.Family, from.Size);
                sockaddr.CopyTo(copy.Buffer.Span);
                _engine.EnqueueControl(new ControlWork(ControlWorkKind.NewClient, packet.ToArray(), Gate: result,
                    Address: new ClientAddress(endpoint, copy)));
                break;
        }
    }

    /// <summary>
    /// A control packet with another session id from a known address: the client restarted from the same port, so
    /// the new session goes through the gate like any stranger (the old one is replaced once the cookie checks out).
    /// </summary>
    private static bool IsRestartOf(ServerClient client, ReadOnlySpan<byte> packet) =>
        !PacketHeader.TryPeek(packet, out _, out _, out SessionId sid) || sid != client.RemoteSessionId;
}
