using SharpVpn.Runtime.Shared;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Transport;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.Wire;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Server;

/// <summary>A client's transport address: the lookup key and the sockaddr to send to. Immutable; swapped whole on float.</summary>
internal sealed class ClientAddress(PeerEndpoint endpoint, SocketAddress socketAddress)
{
    public PeerEndpoint Endpoint { get; } = endpoint;

    public SocketAddress SocketAddress { get; } = socketAddress;

    public override string ToString() => Endpoint.ToString();
}

/// <summary>
/// One connected (or connecting) client: its session and data pipe, peer-id, transport address, virtual address and
/// iroutes. Threading: the session is driven only by the control loop; the data threads read <see cref="Pipe"/>,
/// <see cref="Address"/> (volatile) and <see cref="VirtualAddress"/> and call <see cref="Send"/> (thread-safe).
/// </summary>
internal sealed class ServerClient : IDisposable
{
    private readonly UdpTransport? _udp;
    private readonly Lock _tcpSendLock = new();
    private volatile ClientAddress _address;
    private long _sendDrops;

    public ServerClient(long id, int peerId, TunnelSession session, DataChannelPipe pipe, ClientAddress address,
        UdpTransport? udp, TcpTransport? tcp)
    {
        Id = id;
        PeerId = peerId;
        Session = session;
        Pipe = pipe;
        _address = address;
        _udp = udp;
        Tcp = tcp;
        RemoteSessionId = session.RemoteSessionId;
        ConnectedSince = DateTimeOffset.Now;
    }

    /// <summary>Client id (management CID): a counter per server run.</summary>
    public long Id { get; }

    public int PeerId { get; }

    public TunnelSession Session { get; }

    public DataChannelPipe Pipe { get; }

    public TcpTransport? Tcp { get; }

    public ClientAddress Address => _address;

    /// <summary>The client's session id as last seen (read by the receive thread to spot a restarted client).</summary>
    public SessionId RemoteSessionId { get; set; }

    /// <summary>
    /// The client's name everywhere (OpenVPN's common_name): <see cref="CertificateName"/>, or with
    /// username-as-common-name the accepted username. Set only by ServerEngine.Naming.
    /// </summary>
    public string? CommonName { get; set; }

    /// <summary>The name from the client's certificate (x509-username-field, default the CN); null without one.</summary>
    public string? CertificateName { get; set; }

    /// <summary>OpenVPN's tls_common_name for a client without a name (verify-client-cert none|optional, no certificate).</summary>
    public const string Unnamed = "UNDEF";

    /// <summary>
    /// False while the client goes by <see cref="Unnamed"/>: such clients do not replace each other without
    /// duplicate-cn (multi.c multi_delete_dup skips a NULL common name).
    /// </summary>
    public bool IsNamed => CertificateName is not null || CommonName != Unnamed;

    public string? Username { get; set; }

    /// <summary>learn-address: the addresses an add was queued for (each gets a delete when the client goes).</summary>
    public IReadOnlyList<string> LearnedAddresses { get; set; } = [];

    /// <summary>auth-gen-token: the token last issued to the client (pushed as auth-token), or null.</summary>
    public string? AuthToken { get; set; }

    /// <summary>auth-gen-token: the session's first token (its session id and initial time carry over to renewals).</summary>
    public string? AuthTokenInitial { get; set; }

    /// <summary>auth-gen-token: when the next renewed token is pushed (control-loop clock).</summary>
    public long NextAuthTokenRenewalMs { get; set; } = long.MaxValue;

    /// <summary>inactive / session-timeout / ping-exit for this client, from its connection on; null without them.</summary>
    public SessionLimits? Limits { get; set; }

    /// <summary>Tunnel address (IPv4 as a big-endian uint), 0 before assignment.</summary>
    public uint VirtualAddress { get; set; }

    /// <summary>Pool index held (-1: none, e.g. a ccd ifconfig-push address).</summary>
    public int PoolIndex { get; set; } = -1;

    /// <summary>iroute networks (address, mask) behind this client.</summary>
    public (uint Network, uint Mask)[] IRoutes { get; set; } = [];

    /// <summary>The client's IPv6 tunnel address (server-ipv6 pool or ccd ifconfig-ipv6-push); 0 when it has none.</summary>
    public UInt128 VirtualAddress6 { get; set; }

    /// <summary><c>iroute-ipv6</c> networks behind this client (network, mask).</summary>
    public (UInt128 Network, UInt128 Mask)[] IRoutes6 { get; set; } = [];

    /// <summary>Wall time of the TLS start (the status file's "Connected Since" once connected).</summary>
    public DateTimeOffset ConnectedSince { get; set; }

    /// <summary>True once the first data keys are installed.</summary>
    public bool Established { get; set; }

    /// <summary>Passed every check and was sent its PUSH_REPLY (client-disconnect runs for such clients only).</summary>
    public bool Accepted { get; set; }

    /// <summary>
    /// The address scripts know as ifconfig_pool_remote_ip: the one chosen before client-connect ran (OpenVPN keeps
    /// reporting it to client-disconnect even when client-connect moved the client elsewhere).
    /// </summary>
    public uint ScriptPoolAddress { get; set; }

    /// <summary>Set once teardown began (data threads stop using the client).</summary>
    public volatile bool Closing;

    /// <summary>Pending float (set by the receive thread once a packet from a new address authenticated).</summary>
    public volatile ClientAddress? FloatCandidate;

    /// <summary>The peer sent OCC_EXIT (explicit-exit-notify): set by the receive thread, acted on by the control loop.</summary>
    public volatile bool ExitNotified;

    /// <summary>Why the control loop should end this client (kill, CRL, duplicate CN), or null.</summary>
    public string? KillReason { get; set; }

    /// <summary>The control message the killed client is sent (management 'client-kill CID MSG'); null: RESTART.</summary>
    public string? KillMessage { get; set; }

    public long SendDrops => Interlocked.Read(ref _sendDrops);

    /// <summary>Control-channel bytes received/sent (control loop only); OpenVPN's byte counters include them.</summary>
    public long ControlBytesIn { get; set; }

    public long ControlBytesOut { get; set; }

    /// <summary>Link bytes in, as OpenVPN's status "Bytes Received" (data + control).</summary>
    public long BytesIn => Pipe.LinkReadBytes + ControlBytesIn;

    /// <summary>Link bytes out, as OpenVPN's status "Bytes Sent" (data + control).</summary>
    public long BytesOut => Pipe.LinkWriteBytes + ControlBytesOut;

    /// <summary>"CN/IP:port" as OpenVPN prefixes per-client log lines (before authentication: "IP:port").</summary>
    public string LogPrefix => CommonName is null ? _address.ToString() : $"{CommonName}/{_address}";

    /// <summary>Moves the client to a new address (control loop; after an authenticated packet came from it).</summary>
    public void SetAddress(ClientAddress address) => _address = address;

    /// <summary>Sends one whole packet to the client; any thread. A transient failure counts a drop.</summary>
    public void Send(ReadOnlySpan<byte> packet)
    {
        try
        {
            bool ok;
            if (Tcp is { } tcp)
            {
                lock (_tcpSendLock)
                {
                    ok = tcp.Send(packet);
                }
            }
            else
            {
                ok = _udp!.SendTo(packet, _address.SocketAddress);
            }

            if (!ok)
            {
                Interlocked.Increment(ref _sendDrops);
            }
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _sendDrops); // closed by teardown or shutdown meanwhile
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _sendDrops); // TCP peer gone; the receive side notices and ends the client
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _sendDrops); // TCP peer gone (stream wrapper)
        }
    }

    /// <summary>Sends a run of whole packets (<c>buffers[i][0..sizes[i]]</c>) to the client: one sendmmsg over UDP, one framed write over TCP.</summary>
    public void SendBatch(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes)
    {
        try
        {
            int sent;
            if (Tcp is { } tcp)
            {
                // One framed write for the run (TcpTransport.SendBatch), not a send call per packet.
                lock (_tcpSendLock)
                {
                    sent = tcp.SendBatch(buffers, sizes, 0);
                }
            }
            else
            {
                sent = _udp!.SendBatch(buffers, sizes, 0, _address.SocketAddress);
            }

            if (sent < buffers.Length)
            {
                Interlocked.Add(ref _sendDrops, buffers.Length - sent);
            }
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Add(ref _sendDrops, buffers.Length); // the socket closed at shutdown
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            Interlocked.Add(ref _sendDrops, buffers.Length); // TCP peer gone; the receive side notices and ends the client
        }
    }

    public void Dispose()
    {
        Session.Dispose();
        Tcp?.Dispose();
    }
}
