using System.Net;
using SharpVpn.Platform.Transport;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.DataPath;

using SharpVpn.Platform.Tun;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// One connection attempt: the link to one server address, its session and data pipe, and the receive loop.
/// A reconnect builds a new one; the TUN device outlives it (persist-tun).
/// Shared state: <see cref="SessionLock"/> serialises every call into <see cref="Session"/> except the
/// data-path members (keys, peer-id), which the session publishes for any thread.
/// </summary>
internal sealed class ClientConnection : IDisposable
{
    // The session's control datagrams: at most 4096 + a tls-crypt-v2 wrapped key.
    private readonly byte[] _controlOut = new byte[ProtocolConstants.MaxControlPacketBytes + ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes + 64];
    private volatile bool _linkEnded;
    private long _lastControlReceivedMs;

    public ClientConnection(IPacketLink link, IPEndPoint remote, TunnelSession session, DataChannelPipe pipe)
    {
        Link = link;
        Remote = remote;
        Session = session;
        Pipe = pipe;
    }

    public IPacketLink Link { get; }

    public IPEndPoint Remote { get; }

    public TunnelSession Session { get; }

    public DataChannelPipe Pipe { get; }

    /// <summary>Guards every control call into <see cref="Session"/> (receive thread and control loop).</summary>
    public Lock SessionLock { get; } = new();

    public LinkReceiveLoop? ReceiveLoop { get; set; }

    /// <summary>The receive thread's TUN write batch (its merge counters feed the SIGUSR2 statistics).</summary>
    public TunWriteBatch? TunBatch { get; set; }

    /// <summary>Set by the receive loop when the link closed (TCP reset/EOF) or failed.</summary>
    public bool LinkEnded => _linkEnded;

    public Exception? LinkError { get; private set; }

    /// <summary>When the last control packet from the server arrived (MonotonicClock ms; 0 = never).</summary>
    public long LastControlReceivedMs
    {
        get => Volatile.Read(ref _lastControlReceivedMs);
        set => Volatile.Write(ref _lastControlReceivedMs, value);
    }

    public void MarkLinkEnded(Exception? error)
    {
        LinkError = error;
        _linkEnded = true;
    }

    /// <summary>Sends every queued control datagram. Caller holds <see cref="SessionLock"/>.</summary>
    public void DrainOutgoing()
    {
        while (Session.TryDequeueOutgoing(_controlOut, out int length))
        {
            SendQuietly(_controlOut.AsSpan(0, length));
        }
    }

    /// <summary>Sends one packet; a closed or failing link only loses the packet (the loops notice the end).</summary>
    public bool SendQuietly(ReadOnlySpan<byte> packet)
    {
        try
        {
            return Link.Send(packet);
        }
        catch (ObjectDisposedException)
        {
            return false; // Closed by a reconnect or shutdown in the meantime.
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false; // TCP broke; the receive loop reports the end.
        }
    }

    public void Dispose()
    {
        Link.Dispose();
        ReceiveLoop?.Join(TimeSpan.FromSeconds(5));
        lock (SessionLock)
        {
            Session.Dispose();
        }
    }
}
