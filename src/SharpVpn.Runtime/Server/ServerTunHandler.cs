using System.Buffers.Binary;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Stage 2 of the server's outbound path, on the TunReadLoop thread (wireguard-go RoutineReadFromTUN):
/// <code>
///  TUN batch -> per packet: IPv4/IPv6 destination -> address table (client address, then iroutes) -> that client's pipe:
///               frame + encrypt (P_DATA_V2 with its peer-id) into the next wire buffer of the current run
///  run of packets for one client -> one sendmmsg (UDP GSO when sizes match) to its current address
/// </code>
/// Packets for no connected client are dropped and counted. No allocation per packet; a packet that hits a client
/// torn down meanwhile is dropped, never allowed to end the loop.
/// </summary>
internal sealed class ServerTunHandler : IPacketBatchHandler
{
    private readonly ServerEngine _engine;
    private readonly byte[][] _wire;
    private readonly int[] _wireSizes;
    private ServerClient? _runClient;
    private int _runCount;

    public ServerTunHandler(ServerEngine engine, int bufferBytes)
    {
        _engine = engine;
        _wire = new byte[DataPathLayout.BatchSize][];
        for (int i = 0; i < _wire.Length; i++)
        {
            _wire[i] = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
        }

        _wireSizes = new int[DataPathLayout.BatchSize];
    }

    public void OnBatch(byte[][] buffers, ReadOnlySpan<int> sizes, int count, int offset)
    {
        ServerRoutes routes = _engine.Routes;
        for (int i = 0; i < count; i++)
        {
            int size = sizes[i];
            byte[] buffer = buffers[i];
            // IPv4 destination at bytes 16..19 (RFC 791), IPv6 destination at bytes 24..39 (RFC 8200).
            int version = buffer[offset] >> 4;
            ServerClient? client;
            if (version == 4 && size >= 20)
            {
                client = routes.FindByVirtualAddress(BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(offset + 16)));
            }
            else if (version == 6 && size >= 40)
            {
                client = routes.FindByVirtualAddress6(BinaryPrimitives.ReadUInt128BigEndian(buffer.AsSpan(offset + 24)));
            }
            else
            {
                continue;
            }

            if (client is null || client.Closing)
            {
                _engine.CountNoRoute();
                continue;
            }

            if (!ReferenceEquals(client, _runClient) || _runCount == _wire.Length)
            {
                Flush();
                _runClient = client;
            }

            try
            {
                int n = client.Pipe.Seal(buffer, offset, size, _wire[_runCount]);
                if (n > 0)
                {
                    _wireSizes[_runCount++] = n;
                }
            }
            catch (ObjectDisposedException)
            {
                // The client was torn down and its keys disposed between lookup and seal: drop this packet.
                _engine.CountNoRoute();
            }
        }

        Flush();
    }

    private void Flush()
    {
        if (_runCount > 0 && _runClient is { } client)
        {
            client.SendBatch(_wire.AsSpan(0, _runCount), _wireSizes.AsSpan(0, _runCount));
        }

        _runCount = 0;
        _runClient = null;
    }
}
