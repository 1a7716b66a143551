using SharpVpn.DataChannel;
using SharpVpn.Platform.Threading;
using SharpVpn.Platform.Transport;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// Stage 1 of the inbound path (style.md §3; wireguard-go device/receive.go <c>RoutineReceiveIncoming</c>):
/// <code>
///  1. LinkReceiveLoop  blocking receive from the UDP socket (recvmmsg batch) or the framed TCP stream into
///                      pinned pooled buffers
///  2. handler          dispatch by opcode: data -> decrypt -> TUN write; control -> the session (serialised)
/// </code>
/// One dedicated thread per link; it ends when the link is disposed or closed by the peer (the receive
/// returns 0: reported through <c>onClosed</c>) or on an error (reported through <c>onFault</c>).
/// </summary>
public sealed class LinkReceiveLoop
{
    private readonly IPacketLink _link;
    private readonly PacketBufferPool _pool;
    private readonly IPacketBatchHandler _handler;
    private readonly Action<Exception?> _onEnded;
    private readonly LoopThread _thread;

    /// <param name="onEnded">Called once when the loop ends by itself: null when the link closed, else the error.</param>
    public LinkReceiveLoop(IPacketLink link, PacketBufferPool pool, IPacketBatchHandler handler, Action<Exception?> onEnded)
    {
        _link = link;
        _pool = pool;
        _handler = handler;
        _onEnded = onEnded;
        _thread = new LoopThread("LinkReceiveLoop", Run);
    }

    public void Start() => _thread.Start();

    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private static bool HasControlPacket(byte[][] buffers, int[] sizes, int count)
    {
        for (int i = 0; i < count; i++)
        {
            if (sizes[i] <= 0)
            {
                continue;
            }
            int opcode = buffers[i][0] >> DataPacketHeader.OpcodeShift;
            if (opcode is not DataPacketHeader.OpcodeDataV1 and not DataPacketHeader.OpcodeDataV2)
            {
                return true;
            }
        }
        return false;
    }

    private void Run()
    {
        int batch = _link is UdpTransport or TcpTransport ? DataPathLayout.BatchSize : 1;
        byte[][] buffers = _pool.RentBatch(batch);
        int[] sizes = new int[batch];
        Exception? failure = null;
        SparseCoLocation.Member placement = SparseCoLocation.Process.Join();
        try
        {
            while (true)
            {
                int count;
                if (_link is UdpTransport udp)
                {
                    count = udp.ReceiveBatch(buffers, sizes, null, 0);
                }
                else if (_link is TcpTransport tcp)
                {
                    count = tcp.ReceiveBatch(buffers, sizes, 0);
                }
                else
                {
                    int n = _link.Receive(buffers[0]);
                    sizes[0] = n;
                    count = n > 0 ? 1 : 0;
                }

                if (count <= 0)
                {
                    return;
                }

                if (HasControlPacket(buffers, sizes, count))
                {
                    placement.Release(); // the handler runs TLS on this thread: whatever it starts must not inherit one CPU
                }
                else
                {
                    placement.OnBatch(count);
                }

                _handler.OnBatch(buffers, sizes, count, 0);
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed while receiving: the normal end of a link we closed.
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            _pool.ReturnBatch(buffers);
            _onEnded(failure);
        }
    }
}
