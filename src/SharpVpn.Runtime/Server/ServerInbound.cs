using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;
using SharpVpn.Platform.Tun;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// Stage 2 of the server's inbound data path, on a receive thread (one instance per thread: it owns the buffers):
/// <code>
///  P_DATA from a client -> DataChannelPipe.Open (key by key_id, tag/HMAC, replay window, unframe)
///    ping              -> nothing (activity stamped by the pipe)
///    OCC_EXIT          -> flag for the control loop
///    IPv6 packet, block-ipv6 -> answered ICMPv6 "no route" through the client's own tunnel, nothing routed
///    IPv4/IPv6 packet  -> source must be the client's address or an iroute(-ipv6) (else dropped, as multi.c does)
///                      -> client-to-client on and the destination is another client: seal + send to it
///                      -> otherwise write to the TUN (the kernel routes, NATs and filters)
///  authenticated packet from a new address -> float candidate for the control loop (security.md #9)
/// </code>
/// No allocation, LINQ or logging per packet (a float allocates its new address once).
/// </summary>
internal sealed class ServerInbound
{
    private readonly ServerEngine _engine;
    private readonly byte[] _plain;
    private readonly byte[] _decompress;
    private readonly byte[] _forward;
    private readonly byte[] _wire;
    // Packets for the TUN wait for FlushTun (the end of the receive thread's batch), so the TCP segments of one
    // flow leave as one super-segment.
    private readonly TunWriteBatch _tunBatch = new(DataPathLayout.BatchSize);
    private long _reportedSuperSegments;
    private long _reportedWritten;

    public ServerInbound(ServerEngine engine, int bufferBytes)
    {
        _engine = engine;
        _plain = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
        _decompress = GC.AllocateUninitializedArray<byte>(bufferBytes, pinned: true);
        _forward = GC.AllocateUninitializedArray<byte>(bufferBytes + DataPathLayout.Headroom, pinned: true);
        _wire = GC.AllocateUninitializedArray<byte>(bufferBytes + DataPathLayout.Headroom, pinned: true);
    }

    /// <summary>
    /// Handles one data packet of <paramref name="client"/>. <paramref name="newSource"/>: the packet came from another
    /// UDP address than the client's (null when it matches or for TCP); the client floats there only if it authenticates.
    /// </summary>
    public void OnData(ServerClient client, ReadOnlySpan<byte> wire, SocketAddress? newSource, in PeerEndpoint newEndpoint)
    {
        InboundData result = client.Pipe.Open(wire, _plain, _decompress, out Span<byte> ip);
        if (result == InboundData.Dropped)
        {
            return;
        }

        if (newSource is not null)
        {
            RequestFloat(client, newSource, newEndpoint);
        }

        switch (result)
        {
            case InboundData.TunPacket:
                Route(client, ip);
                break;
            case InboundData.ExitNotify:
                client.ExitNotified = true;
                _engine.Wake();
                break;
        }
    }

    private void Route(ServerClient client, Span<byte> ip)
    {
        ServerClient? target;
        if (ip.Length >= 20 && (ip[0] >> 4) == 4)
        {
            // IPv4 header: version/IHL(1) TOS(1) length(2) id(2) flags/frag(2) TTL(1) proto(1) csum(2) src(4) dst(4) (RFC 791).
            if (!ServerRoutes.IsSourceAllowed(client, BinaryPrimitives.ReadUInt32BigEndian(ip[12..])))
            {
                _engine.CountBadSource();
                return;
            }

            target = _engine.ClientToClient ? _engine.Routes.FindByVirtualAddress(BinaryPrimitives.ReadUInt32BigEndian(ip[16..])) : null;
        }
        else if (ip.Length >= 40 && (ip[0] >> 4) == 6)
        {
            if (_engine.BlockIpv6From is { } blockFrom)
            {
                AnswerBlocked(client, ip, blockFrom);
                return;
            }

            // IPv6 header: version/class/flow(4) length(2) next(1) hops(1) src(16) dst(16) (RFC 8200). A client without
            // an IPv6 address (IPv4-only server) owns no source, so its IPv6 is dropped here as before.
            if (!ServerRoutes.IsSourceAllowed6(client, BinaryPrimitives.ReadUInt128BigEndian(ip[8..])))
            {
                _engine.CountBadSource();
                return;
            }

            target = _engine.ClientToClient ? _engine.Routes.FindByVirtualAddress6(BinaryPrimitives.ReadUInt128BigEndian(ip[24..])) : null;
        }
        else
        {
            _engine.CountDropped();
            return;
        }

        if (target is not null && !ReferenceEquals(target, client))
        {
            Forward(target, ip);
            return;
        }

        int dropped = _engine.Tun is { } tun ? _tunBatch.Add(tun, ip) : 1;
        if (dropped > 0)
        {
            _engine.CountTunWriteDrops(dropped);
        }
    }

    /// <summary>Writes what the batch collected (end of a receive batch).</summary>
    public void FlushTun()
    {
        if (_tunBatch.Pending > 0)
        {
            int dropped = _tunBatch.Flush(_engine.Tun);
            if (dropped > 0)
            {
                _engine.CountTunWriteDrops(dropped);
            }
            // The engine's totals (SIGUSR2 statistics) get what this batch wrote since the last flush.
            long superSegments = _tunBatch.SuperSegments;
            long written = _tunBatch.Written;
            _engine.CountTunWrites(superSegments - _reportedSuperSegments, written - _reportedWritten);
            _reportedSuperSegments = superSegments;
            _reportedWritten = written;
        }
    }

    private void Forward(ServerClient target, ReadOnlySpan<byte> ip)
    {
        if (target.Closing || ip.Length > _forward.Length - DataPathLayout.Headroom - 1)
        {
            _engine.CountDropped();
            return;
        }

        ip.CopyTo(_forward.AsSpan(DataPathLayout.Headroom));
        int n = target.Pipe.Seal(_forward, DataPathLayout.Headroom, ip.Length, _wire);
        if (n > 0)
        {
            target.Send(_wire.AsSpan(0, n));
        }
    }

    /// <summary>block-ipv6 (OpenVPN forward.c, server side): the client's IPv6 packet goes no further; it gets an ICMPv6 "no route" back.</summary>
    private void AnswerBlocked(ServerClient client, ReadOnlySpan<byte> ip, UInt128 source)
    {
        _engine.CountDropped();
        int n = Icmpv6Unreachable.Write(ip, source, _engine.TunMtu, _forward.AsSpan(DataPathLayout.Headroom));
        if (n > 0 && !client.Closing)
        {
            int sealedBytes = client.Pipe.Seal(_forward, DataPathLayout.Headroom, n, _wire);
            if (sealedBytes > 0)
            {
                client.Send(_wire.AsSpan(0, sealedBytes));
            }
        }
    }

    private void RequestFloat(ServerClient client, SocketAddress source, in PeerEndpoint endpoint)
    {
        if (client.FloatCandidate is { } pending && pending.Endpoint == endpoint)
        {
            return; // already asked
        }

        var copy = new SocketAddress(source.Family, source.Size);
        source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
        client.FloatCandidate = new ClientAddress(endpoint, copy);
        _engine.Wake();
    }
}
