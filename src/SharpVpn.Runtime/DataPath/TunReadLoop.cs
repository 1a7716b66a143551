using SharpVpn.Platform.Threading;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// Stage 1 of the outbound path (style.md §3; wireguard-go device/send.go <c>RoutineReadFromTUN</c>):
/// <code>
///  1. TunReadLoop   blocking batch read from the TUN fd into pinned pooled buffers at DataPathLayout.Headroom
///  2. handler       client: frame + encrypt + send each packet; server: route by destination, group by peer
/// </code>
/// One dedicated thread per TUN queue; it ends when the device is disposed (the read returns 0) or the handler
/// throws (reported through the fault callback, never swallowed).
/// </summary>
public sealed class TunReadLoop
{
    private readonly ITunDevice _tun;
    private readonly PacketBufferPool _pool;
    private readonly IPacketBatchHandler _handler;
    private readonly Action<Exception> _onFault;
    private readonly LoopThread _thread;

    public TunReadLoop(ITunDevice tun, PacketBufferPool pool, IPacketBatchHandler handler, Action<Exception> onFault)
    {
        _tun = tun;
        _pool = pool;
        _handler = handler;
        _onFault = onFault;
        _thread = new LoopThread("TunReadLoop", Run);
    }

    public void Start() => _thread.Start();

    /// <summary>Waits for the thread after the TUN device was disposed.</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        byte[][] buffers = _pool.RentBatch(DataPathLayout.BatchSize);
        int[] sizes = new int[DataPathLayout.BatchSize];
        // Leave one spare byte after the packet (the swap framing moves a byte there).
        int maxRead = _pool.BufferBytes - DataPathLayout.Headroom - 1;
        SparseCoLocation.Member placement = SparseCoLocation.Process.Join();
        try
        {
            while (true)
            {
                int count = _tun.Read(buffers, sizes, DataPathLayout.Headroom);
                if (count <= 0)
                {
                    return;
                }

                placement.OnBatch(count);

                for (int i = 0; i < count; i++)
                {
                    if (sizes[i] > maxRead)
                    {
                        sizes[i] = 0; // Truncated: larger than the MTU we sized for; the handler skips empty packets.
                    }
                }

                _handler.OnBatch(buffers, sizes, count, DataPathLayout.Headroom);
            }
        }
        catch (ObjectDisposedException)
        {
            // The device was disposed between reads: the loop's normal end.
        }
        catch (Exception ex)
        {
            _onFault(ex);
        }
        finally
        {
            _pool.ReturnBatch(buffers);
        }
    }
}
