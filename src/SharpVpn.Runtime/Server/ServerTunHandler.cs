using System.Buffers.Binary;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Stage 2 of the server's outbound path, on the TunReadLoop thread (wireguard-go RoutineReadFromTUN):
/// <code>
///  TUN packet -> IPv4 destination -> address table (client address, then iroutes) -> that client's pipe:
///  frame + encrypt (P_DATA_V2 with its peer-id) -> send to its current address
/// </code>
/// Packets for no connected client are dropped and counted. No allocation per packet.
/// </summary>
internal sealed class ServerTunHandler : IPacketBatchHandler
{
    private readonly ServerEngine _engine;
    private readonly byte[] _wire;

    public ServerTunHandler(ServerEngine engine, int bufferBytes)
    {
        _engine = engine;
        _wire = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
    }

    public void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset)
    {
        ServerRoutes routes = _engine.Routes;
        for (int i = 0; i < count; i++)
        {
            int size = sizes[i];
            byte[] buffer = buffers[i];
            // IPv4 destination at bytes 16..19 (RFC 791).
            if (size < 20 || (buffer[offset] >> 4) != 4)
            {
                continue;
            }

            uint destination = BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset + 16));
            ServerClient? client = routes.FindByVirtualAddress(destination);
            if (client is null || client.Closing)
            {
                _engine.CountNoRoute();
                continue;
            }

            int n = client.Pipe.Seal(buffer, offset, size, _wire);
            if (n > 0)
            {
                client.Send(_wire.AsSpan(0, n));
            }
        }
    }
}
