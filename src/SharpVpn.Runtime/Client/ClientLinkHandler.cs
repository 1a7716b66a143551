using SharpVpn.DataChannel;
using SharpVpn.Platform.Tun;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// Stage 2 of the client's inbound path, on the LinkReceiveLoop thread:
/// <code>
///  P_DATA_V1/V2 -> DataChannelPipe.Open (key by key_id, decrypt, unframe) -> TUN write batch | ping (nothing) | OCC_EXIT
///  end of batch -> one write per merged TCP super-segment (TunWriteBatch)
///  anything else -> the session under its lock (ProcessControl), replies sent at once, control loop woken;
///                   once TLS is done, the TUN device starts opening ahead (ClientEngine.BeginTunAhead)
/// </code>
/// No allocation per packet: the plaintext and decompression buffers belong to this handler.
/// </summary>
internal sealed class ClientLinkHandler : IPacketBatchHandler
{
    private readonly ClientEngine _engine;
    private readonly ClientConnection _connection;
    private readonly byte[] _plain;
    private readonly byte[] _decompress;
    private readonly TunWriteBatch _tunBatch = new(DataPathLayout.BatchSize);

    internal TunWriteBatch TunBatch => _tunBatch;

    public ClientLinkHandler(ClientEngine engine, ClientConnection connection, int bufferBytes)
    {
        _engine = engine;
        _connection = connection;
        _plain = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
        _decompress = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
    }

    public void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset)
    {
        bool control = false;
        for (int i = 0; i < count; i++)
        {
            int size = sizes[i];
            if (size <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> packet = buffers[i].AsSpan(offset, size);
            int opcode = packet[0] >> DataPacketHeader.OpcodeShift;
            if (opcode is DataPacketHeader.OpcodeDataV2 or DataPacketHeader.OpcodeDataV1)
            {
                switch (_connection.Pipe.Open(packet, _plain, _decompress, out Span<byte> ip))
                {
                    case InboundData.TunPacket:
                        _engine.WriteToTun(_tunBatch, ip);
                        break;
                    case InboundData.ExitNotify:
                        _engine.OnPeerExitNotify(_connection);
                        break;
                }

                continue;
            }

            long now = MonotonicClock.NowMs;
            _connection.LastControlReceivedMs = now;
            lock (_connection.SessionLock)
            {
                _connection.Session.ProcessControl(packet, now);
                _connection.DrainOutgoing();
                if (_connection.Session.PeerCertificate is not null)
                {
                    _engine.BeginTunAhead(); // once TLS is done with a verified server (only the first call counts)
                }
            }

            control = true;
        }

        _engine.FlushTun(_tunBatch);
        if (control)
        {
            _engine.Wake();
        }
    }
}
