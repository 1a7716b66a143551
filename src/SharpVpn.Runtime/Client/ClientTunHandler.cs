using System.Runtime.CompilerServices;
using SharpVpn.Platform.Tun;
using SharpVpn.Platform.Transport;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// Stage 2 of the client's outbound path, on the TunReadLoop thread: each IP packet of the batch is framed
/// (never compressed) and encrypted with the current key of the current connection into its own wire buffer,
/// then the batch leaves in one sendmmsg (UDP) or one framed write (TCP). Without a connection (reconnecting
/// with persist-tun) packets are dropped, as OpenVPN does. Under a pushed <c>block-ipv6</c> IPv6 packets never leave:
/// each is answered on the TUN with an ICMPv6 "no route" (<see cref="Icmpv6Unreachable"/>), so applications fail
/// fast instead of leaking around an IPv4 tunnel. No allocation per packet.
/// </summary>
internal sealed class ClientTunHandler : IPacketBatchHandler
{
    private readonly ClientEngine _engine;
    private readonly byte[][] _wire;
    private readonly int[] _wireSizes;
    private readonly ITunDevice _tun;
    private readonly int _tunMtu;
    private readonly byte[] _icmp = new byte[Icmpv6Unreachable.MaxPacketBytes];
    private long _dropped;
    // Boxed so the data thread reads the pair (on, source) in one volatile read.
    private volatile StrongBox<UInt128>? _blockIpv6From;

    public ClientTunHandler(ClientEngine engine, PacketBufferPool pool, ITunDevice tun, int tunMtu)
    {
        _engine = engine;
        _tun = tun;
        _tunMtu = tunMtu;
        _wire = pool.RentBatch(DataPathLayout.BatchSize);
        _wireSizes = new int[DataPathLayout.BatchSize];
    }

    /// <summary>Packets read while no connection could carry them.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>
    /// block-ipv6 on (with the ICMPv6 errors' source: the pushed ifconfig-ipv6 remote, else fe80::7) or off (null).
    /// Set by the control loop at each push reply.
    /// </summary>
    public void BlockIpv6(UInt128? source) => _blockIpv6From = source is { } s ? new StrongBox<UInt128>(s) : null;

    public void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset)
    {
        ClientConnection? connection = _engine.CurrentConnection;
        if (connection is null)
        {
            _dropped += count;
            return;
        }

        DataChannelPipe pipe = connection.Pipe;
        StrongBox<UInt128>? blockFrom = _blockIpv6From;
        int ready = 0;
        try
        {
            for (int i = 0; i < count; i++)
            {
                int size = sizes[i];
                if (size <= 0)
                {
                    continue;
                }

                if (blockFrom is not null && (buffers[i][offset] >> 4) == 6)
                {
                    AnswerBlocked(buffers[i].AsSpan(offset, size), blockFrom.Value);
                    continue;
                }

                int n = pipe.Seal(buffers[i], offset, size, _wire[ready]);
                if (n > 0)
                {
                    _wireSizes[ready++] = n;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The control loop ended this connection (reconnect, shutdown) and disposed its keys mid-batch.
            _dropped += count;
            return;
        }

        if (ready == 1)
        {
            connection.SendQuietly(_wire[0].AsSpan(0, _wireSizes[0]));
        }
        else if (ready > 1)
        {
            SendBatch(connection, ready);
        }
    }

    private void AnswerBlocked(ReadOnlySpan<byte> packet, UInt128 source)
    {
        int n = Icmpv6Unreachable.Write(packet, source, _tunMtu, _icmp);
        if (n > 0)
        {
            try
            {
                _tun.Write(_icmp.AsSpan(0, n));
            }
            catch (ObjectDisposedException)
            {
                // The TUN closed under us (shutdown): nothing left to answer to.
            }
        }
    }

    private void SendBatch(ClientConnection connection, int count)
    {
        try
        {
            switch (connection.Link)
            {
                case UdpTransport udp:
                    udp.SendBatch(_wire.AsSpan(0, count), _wireSizes.AsSpan(0, count), 0, null);
                    break;
                case TcpTransport tcp:
                    tcp.SendBatch(_wire.AsSpan(0, count), _wireSizes.AsSpan(0, count), 0);
                    break;
                default:
                    for (int i = 0; i < count; i++)
                    {
                        connection.SendQuietly(_wire[i].AsSpan(0, _wireSizes[i]));
                    }

                    break;
            }
        }
        catch (ObjectDisposedException)
        {
            // The connection closed under us (reconnect, shutdown): these packets are lost, as on a dead link.
        }
        catch (System.Net.Sockets.SocketException)
        {
            // TCP broke; the receive loop reports the end and the control loop reconnects.
        }
    }
}
