using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// Stage 2 of the client's outbound path, on the TunReadLoop thread: each IP packet is framed (never
/// compressed) and encrypted with the current key of the current connection, then sent. Without a connection
/// (reconnecting with persist-tun) packets are dropped, as OpenVPN does. One wire buffer, no allocation.
/// </summary>
internal sealed class ClientTunHandler : IPacketBatchHandler
{
    private readonly ClientEngine _engine;
    private readonly byte[] _wire;
    private long _dropped;

    public ClientTunHandler(ClientEngine engine, int bufferBytes)
    {
        _engine = engine;
        _wire = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
    }

    /// <summary>Packets read while no connection could carry them.</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    public void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset)
    {
        ClientConnection? connection = _engine.CurrentConnection;
        if (connection is null)
        {
            _dropped += count;
            return;
        }

        DataChannelPipe pipe = connection.Pipe;
        for (int i = 0; i < count; i++)
        {
            int size = sizes[i];
            if (size <= 0)
            {
                continue;
            }

            int n = pipe.Seal(buffers[i], offset, size, _wire);
            if (n > 0)
            {
                connection.SendQuietly(_wire.AsSpan(0, n));
            }
        }
    }
}
