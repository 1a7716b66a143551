using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Config;
using SharpVpn.Platform.Transport;
using SharpVpn.Platform.Tun;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Session;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Client;

public sealed partial class ClientEngine
{
    private const int ExitNotifyGapMs = 200;

    /// <summary>
    /// Silence from the server after our side of the TLS handshake finished, before its key-method-2 reply: an
    /// OpenVPN server that rejects our certificate (unknown CA, revoked, expired) drops the session without an alert.
    /// Its reply normally follows within a round trip (or a 2 s retransmit), so 8 s of silence means it gave up on us.
    /// </summary>
    private const long SilenceAfterTlsMs = 8000;

    /// <summary>Consecutive attempts that ended in <see cref="SilenceAfterTlsMs"/>; the second one is fatal.</summary>
    private int _droppedAfterCertificate;

    private readonly byte[] _controlWire = new byte[2048];

    /// <summary>Per proxy: its handshake, which keeps the credentials asked (and an HTTP proxy's method learnt under 'auto').</summary>
    private readonly Dictionary<object, ProxyHandshake> _proxyHandshakes = new(ReferenceEqualityComparer.Instance);
    private volatile bool _peerExitNotified;

    // auth-token: the session token the last connection's server pushed, carried to the next connection; control loop only.
    private string? _authToken;
    private string? _authTokenUser;
    private bool _authTokenRefused;

    /// <summary>One connection attempt: resolve, open the link, run the session until it ends.</summary>
    private ConnectionOutcome RunConnection(RemoteEndpoint remote)
    {
        _currentRemote = remote;
        _connectionSettings = _config.ConnectionOf(remote);
        // Through an HTTP proxy the client resolves and connects to the proxy; the proxy resolves the server's name.
        IPEndPoint? endPoint = Resolve(ProxyOf(_connectionSettings) is ({ } proxyServer, int proxyPort)
            ? new RemoteEndpoint(proxyServer, proxyPort, TransportProtocol.Tcp, remote.Family)
            : remote);
        if (endPoint is null)
        {
            return ConnectionOutcome.Restart("resolve-failed", wasConnected: false, advanceRemote: true);
        }

        IPacketLink link;
        try
        {
            link = OpenLink(remote, endPoint);
        }
        catch (SocketException ex)
        {
            _log.Info(remote.Protocol == TransportProtocol.Tcp ? $"TCP: {ex.Message}" : $"UDP: cannot open a socket to {OpenVpnAddress.Format(endPoint)}: {ex.Message}");
            return ConnectionOutcome.Restart("connection-failed", wasConnected: false);
        }
        catch (IOException ex) when (ProxyOf(_connectionSettings).Server is not null)
        {
            // The proxy refused, wanted what we cannot do, went silent (the read timed out) or closed.
            _log.Info($"{(_connectionSettings.HttpProxy is null ? "SOCKS" : "HTTP")} proxy error: {ex.Message}");
            return ConnectionOutcome.Restart("proxy-error", wasConnected: false);
        }

        long now = MonotonicClock.NowMs;
        TunnelSession session;
        try
        {
            session = TunnelSession.CreateClient(_factory.CreateSessionOptions(authToken: _authToken, authTokenUser: _authTokenUser), now);
        }
        catch
        {
            link.Dispose();
            throw;
        }

        var connection = new ClientConnection(link, endPoint, session, new DataChannelPipe(session, _factory.Framing) { MaxSegmentSize = MssClamp.ForConfig(_config.Tun.MssFix, _config.Tun.MssFixMode) });
        var handler = new ClientLinkHandler(this, connection, _pool.BufferBytes);
        connection.TunBatch = handler.TunBatch;
        connection.ReceiveLoop = new LinkReceiveLoop(link, _pool, handler, error =>
        {
            connection.MarkLinkEnded(error);
            Wake();
        });
        _peerExitNotified = false;
        _connection = connection;
        // The first TUN is opened ahead once the server has proven itself (BeginTunAhead), not after its push reply.
        _tunAhead = _tun is null ? new MadeAhead<OpenedTun>(OpenTunAndItsBuffers, OpenTun) : null;
        bool connected = false;
        try
        {
            // Started before the reset goes out: its thread is a plain pthread (LoopThread), so starting it costs this
            // thread only the pthread_create, and the loop's own set-up (buffers, UDP GRO) then runs while the reset
            // is in flight instead of after it, ahead of the server's answer.
            connection.ReceiveLoop.Start();
            lock (connection.SessionLock)
            {
                connection.DrainOutgoing();
            }

            // While the reset is in flight: take the first TLS engine (made since Run started) with its ClientHello.
            // Waited for outside the session lock: when the server's reset comes back first, the receive thread takes
            // the engine itself the moment it is ready. Waiting under the lock put a second wake-up between the hello
            // being ready and its sending (this thread's, then the receive thread's: 0.3-0.6 ms in the bench lab,
            // issue 7).
            _factory.WaitFirstTlsPrepared();
            lock (connection.SessionLock)
            {
                session.PrestartTls();
            }
            // The signal handlers come last: their first registration starts the runtime's signal thread (~0.5 ms),
            // and the hello must not wait for it.
            EnsureSignalHandlers();

            return DriveSession(connection, ref connected);
        }
        finally
        {
            _connection = null;
            _tunAhead?.Dispose(); // Opened but not used (the attempt failed before the push reply): closed again.
            _tunAhead = null;
            DataChannelPipe pipe = connection.Pipe;
            _doneTunRead += pipe.TunReadBytes;
            _doneTunWrite += pipe.TunWriteBytes;
            _doneLinkRead += pipe.LinkReadBytes;
            _doneLinkWrite += pipe.LinkWriteBytes;
            // A pushed session token logs the next connection in (a server restart keeps it valid with
            // auth-gen-token-secret), unless the server just refused it.
            (_authToken, _authTokenUser) = _authTokenRefused ? (null, null) : (connection.Session.AuthToken, connection.Session.AuthTokenUser);
            _authTokenRefused = false;
            connection.Dispose();
        }
    }

    /// <summary>The control loop of one connection: timers, events, keepalive, until it ends.</summary>
    private ConnectionOutcome DriveSession(ClientConnection connection, ref bool connected)
    {
        TunnelSession session = connection.Session;
        DataChannelPipe pipe = connection.Pipe;
        var events = new List<SessionEvent>();
        long tlsDoneMs = 0;
        long startedMs = MonotonicClock.NowMs;
        long pollTimeoutMs = Math.Max(1, _connectionSettings.ServerPollTimeoutSeconds) * 1000L;
        KeepaliveSettings timers = _config.Keepalive;
        _limits = new SessionLimits(timers.InactiveSeconds, timers.InactiveMinimumBytes, timers.SessionTimeoutSeconds, timers.PingExitSeconds,
            startedMs, SessionLimits.TunBytes(pipe));
        while (true)
        {
            ThrowIfTunFailed();
            if (_shutdownSignal is { } signal)
            {
                if (connected)
                {
                    SendExitNotify(connection);
                }

                return ConnectionOutcome.Shutdown(signal);
            }

            if (_restartSignal is { } restart)
            {
                _restartSignal = null;
                return ConnectionOutcome.Restart(restart == "SIGHUP" ? "hangup" : "restart", connected);
            }

            if (connection.LinkEnded)
            {
                string why = connection.LinkError is { } e ? $"Connection reset: {e.Message}" : "Connection reset, restarting";
                _log.Info(why);
                return ConnectionOutcome.Restart("connection-reset", connected);
            }

            if (_peerExitNotified)
            {
                _log.Info("Peer has sent an exit notification (OCC_EXIT)");
                return ConnectionOutcome.Restart("server-exit", connected);
            }

            long now = MonotonicClock.NowMs;
            long deadline;
            lock (connection.SessionLock)
            {
                session.NotifyDataSent(pipe.LastSentMs);
                session.NotifyDataReceived(pipe.LastReceivedMs);
                session.PollTimers(now);
                connection.DrainOutgoing();
                while (session.TryDequeueEvent(out SessionEvent e))
                {
                    events.Add(e);
                }

                deadline = session.NextDeadlineMs;
                if (tlsDoneMs == 0 && !connected && session.TlsDescription is not null)
                {
                    tlsDoneMs = now;
                }
            }

            if (!connected && tlsDoneMs != 0 && now - Math.Max(tlsDoneMs, connection.LastControlReceivedMs) > SilenceAfterTlsMs)
            {
                return DroppedAfterCertificate(connection);
            }

            // server-poll-timeout (socket.c): no answer at all from this remote -> try the next one.
            if (connection.LastControlReceivedMs == 0 && now - startedMs > pollTimeoutMs)
            {
                _log.Info($"Server poll timeout: no answer from {OpenVpnAddress.Format(connection.Remote)} within {(pollTimeoutMs / 1000).ToString(CultureInfo.InvariantCulture)} s, trying the next remote");
                return ConnectionOutcome.Restart("server_poll", wasConnected: false, advanceRemote: true);
            }

            if (!_limits.IsNone && _limits.Check(now, SessionLimits.TunBytes(pipe), Math.Max(pipe.LastReceivedMs, connection.LastControlReceivedMs)) is { } limit)
            {
                _log.Info(SessionLimits.Describe(limit));
                if (connected)
                {
                    SendExitNotify(connection);
                }

                return ConnectionOutcome.Exit(limit, connected);
            }

            foreach (SessionEvent e in events)
            {
                ConnectionOutcome? end = HandleEvent(connection, e, ref connected);
                if (end is { } outcome)
                {
                    events.Clear();
                    return outcome;
                }
            }

            if (events.Count > 0)
            {
                events.Clear();
                continue; // Events may have queued packets or moved deadlines.
            }

            WriteStatus(force: false);
            long wait = Math.Clamp(deadline - MonotonicClock.NowMs, 0, 1000);
            if (wait > 0)
            {
                _wake.WaitOne((int)wait);
            }
        }
    }

    private ConnectionOutcome? HandleEvent(ClientConnection connection, SessionEvent e, ref bool connected)
    {
        switch (e.Kind)
        {
            case SessionEventKind.Connected:
                OnConnected(connection, e);
                connected = true;
                _droppedAfterCertificate = 0;
                return null;
            case SessionEventKind.KeysChanged:
                _log.Write(LogLevel.Details, $"TLS: soft reset complete, data channel key_id {e.KeyId.ToString(CultureInfo.InvariantCulture)} active ({connection.Session.TlsDescription})");
                return null;
            case SessionEventKind.PingDue:
                int n = connection.Pipe.SealPing(_controlWire);
                if (n > 0)
                {
                    connection.SendQuietly(_controlWire.AsSpan(0, n));
                }

                return null;
            case SessionEventKind.Info:
                _log.Write(LogLevel.Info, e.Message ?? "INFO");
                return null;
            case SessionEventKind.Closed:
                return OnClosed(connection, e, connected);
            default:
                _log.Write(LogLevel.Details, $"Session event: {e}");
                return null;
        }
    }

    private void OnConnected(ClientConnection connection, SessionEvent e)
    {
        if (connection.Link is TcpTransport tcp)
        {
            tcp.AckImmediately = false;
        }

        TunnelSession session = connection.Session;
        _log.Write(LogLevel.Handshake, $"Control Channel: {session.TlsDescription}, peer certificate: CN={session.PeerCommonName}");
        _log.Info($"[{PeerNameOf(session)}] Peer Connection Initiated with {OpenVpnAddress.Format(connection.Remote)}");

        IReadOnlyList<string> pushed = e.PushedOptions ?? session.PushedOptions;
        PushReplyOptions push = PushedOptionParser.Parse(["PUSH_REPLY," + string.Join(',', pushed)], _config.PullFilters, _config.RouteNoPull);
        _log.Write(LogLevel.Details, "PUSH: Received control message: 'PUSH_REPLY," + SharpVpn.Protocol.Auth.AuthToken.RedactPushed(string.Join(',', pushed)) + "'");
        foreach (RejectedPushOption dropped in push.Dropped)
        {
            _log.Info($"Options error: pushed option '{dropped.Option}' ignored: {dropped.Reason}");
        }

        foreach (string note in push.Notes)
        {
            _log.Write(LogLevel.Details, note);
        }

        foreach (string filtered in push.FilteredOut)
        {
            _log.Write(LogLevel.Details, $"Pushed option removed by filter: '{filtered}'");
        }

        if (push.RejectedByFilter is { } rejected)
        {
            throw new ClientFatalException($"Pushed option rejected by pull-filter: '{rejected}'.");
        }

        if (push.Compression is { } compression)
        {
            connection.Pipe.Framing = ClientSessionFactory.MapFraming(compression);
        }

        _log.Info($"Data Channel: cipher '{session.DataCipher}', peer-id: {session.DataPeerId.ToString(CultureInfo.InvariantCulture)}");
        if (_log.IsEnabled(LogLevel.Details))
        {
            _log.Write(LogLevel.Details, "OPTIONS IMPORT: timers, --ifconfig, route and compression options modified");
        }

        RunIpchangeScript(connection, push, pushed);
        EnsureTun(connection, push, pushed);
        ApplyPushedTimers(connection, push);
        ApplyBlockIpv6(push);
        HandshakeMilliseconds ??= MonotonicClock.NowMs - _startedMs;
        _log.Info("Initialization Sequence Completed");
        WriteStatus(force: true);
    }

    /// <summary>
    /// block-ipv6, pushed or in the config (OpenVPN 2.6): IPv6 read from the TUN is answered with ICMPv6 "no route" instead of being
    /// sent. It only blocks what reaches the TUN: the server pushes 'redirect-gateway ipv6' with it to send all IPv6
    /// there, and without it the log says that IPv6 still leaves outside the tunnel.
    /// </summary>
    private void ApplyBlockIpv6(PushReplyOptions push)
    {
        if (!push.BlockIpv6 && !_config.Tun.BlockIpv6)
        {
            _tunHandler?.BlockIpv6(null);
            return;
        }

        UInt128 source = push.IfconfigIpv6?.Remote is { } remote ? Ipv6.ToUInt128(remote) : Icmpv6Unreachable.FallbackSource;
        _tunHandler?.BlockIpv6(source);
        _log.Info($"block-ipv6: IPv6 packets from the TUN are answered with ICMPv6 'no route' from {Ipv6.ToAddress(source)} instead of being sent");
        if ((push.RedirectGateway ?? _config.Tun.RedirectGateway) is not { Ipv6: true, IsPrivate: false })
        {
            _log.Info($"WARNING: {(push.BlockIpv6 ? "the server pushed 'block-ipv6'" : "'block-ipv6'")} without 'redirect-gateway ipv6': only IPv6 routed into the tunnel is blocked, other IPv6 traffic still leaves outside it");
        }
    }

    /// <summary>Opens and configures the TUN from the push; with persist-tun an identical configuration is kept as is.</summary>
    private void EnsureTun(ClientConnection connection, PushReplyOptions push, IReadOnlyList<string> pushed)
    {
        IPAddress server = connection.Remote.Address;
        int mtu = push.TunMtu ?? _config.Tun.TunMtu;
        if (_tun is { } existing && _network is { } network)
        {
            if (TunnelNetwork.SignatureOf(_config, push) == network.Signature)
            {
                _log.Info($"Preserving previous TUN/TAP instance: {existing.Name}");
                if (_config.Process.UpRestart)
                {
                    RunUpScript(connection, push, pushed, existing.Name, mtu, "restart");
                }

                return;
            }

            _log.Info($"TUN/TAP configuration changed; reconfiguring {existing.Name}");
            network.Dispose();
            _network = null;
            _network = ApplyNetwork(existing.Name, push, server, mtu);
            return;
        }

        (TunDevice tun, string? offloadError) = _tunAhead?.Take() ?? OpenTun();
        _log.Info($"TUN/TAP device {tun.Name} opened");
        if (offloadError is not null)
        {
            _log.Write(LogLevel.Details, $"TUN offload unavailable, packets are written one by one: {offloadError}");
        }
        try
        {
            _network = ApplyNetwork(tun.Name, push, server, mtu);
            RunUpScript(connection, push, pushed, tun.Name, mtu);
        }
        catch
        {
            tun.Dispose();
            throw;
        }

        _tun = tun;
        _tunHandler = new ClientTunHandler(this, _pool, tun, mtu);
        _tunLoop = new TunReadLoop(tun, _pool, _tunHandler, OnTunFault);
        _tunLoop.Start();
    }

    /// <summary>
    /// Receive thread, on the control packet that completed TLS with a verified server certificate: starts opening
    /// the TUN device on a thread of its own. Creating the interface is ~0.5 ms of kernel work (TUNSETIFF registers
    /// a network device) that otherwise followed the push reply; now it overlaps the server's work on our last
    /// flight and the key exchange. Only the device is made early: addresses, routes and MTU still come from the push
    /// reply (EnsureTun), and an attempt that fails before it closes the device again.
    /// </summary>
    internal void BeginTunAhead() => _tunAhead?.BeginPrepare();

    private OpenedTun OpenTun() => OpenedTun.Open(_config.Tun.Device);

    /// <summary>
    /// The TUN device made ahead, with the buffers of the two TUN loops EnsureTun then starts (the TUN handler's
    /// batch and the TUN reader's): allocated here, on the side thread, they are not on the way to "Initialization
    /// Sequence Completed" (issue 7).
    /// </summary>
    private OpenedTun OpenTunAndItsBuffers()
    {
        OpenedTun opened = OpenTun();
        _pool.Prefill(2 * DataPathLayout.BatchSize);
        return opened;
    }

    private TunnelNetwork ApplyNetwork(string device, PushReplyOptions push, IPAddress server, int mtu)
    {
        var network = new TunnelNetwork(device, _log);
        try
        {
            network.Apply(_config, push, server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server, mtu);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private ConnectionOutcome? OnClosed(ClientConnection connection, SessionEvent e, bool connected)
    {
        string message = e.Message ?? e.Error.ToString();
        switch (e.Error)
        {
            case OpenVpnError.AuthenticationFailed when connection.Session.SendsAuthToken:
                // The server refused our session token (expired, or a restarted server with a new secret): forget it and
                // log in again with the password, as OpenVPN's client does (push.c: "auth-failure (auth-token)").
                _log.Info($"AUTH: Received control message: {message}; the session token was refused, logging in again with the password");
                _authTokenRefused = true;
                return ConnectionOutcome.Restart("auth-failure (auth-token)", connected);
            case OpenVpnError.AuthenticationFailed:
                return OnAuthFailed(message, connected) ?? throw new ClientFatalException(
                    $"The server refused the connection ({message}); check the certificate and credentials in {_config.SourceName}.");
            case OpenVpnError.TlsFailed when !connected:
                _log.Info($"TLS Error: TLS handshake with {OpenVpnAddress.Format(connection.Remote)} failed: {message}");
                throw new ClientFatalException($"TLS handshake with {OpenVpnAddress.Format(connection.Remote)} failed: {message}");
            case OpenVpnError.PeerHalt:
                _log.Info($"Received HALT from the server: {message}");
                throw new ClientFatalException($"The server told the client to stop (HALT): {message}");
            case OpenVpnError.CipherNegotiationFailed:
                _log.Info($"OPTIONS ERROR: {message}");
                throw new ClientFatalException($"No common data cipher with the server: {message}");
            case OpenVpnError.PingRestart:
                _log.Info("[server] Inactivity timeout (--ping-restart), restarting");
                return ConnectionOutcome.Restart("ping-restart", connected);
            case OpenVpnError.PeerRestart:
                _log.Info($"Received RESTART from the server: {message}");
                return ConnectionOutcome.Restart("server-pushed-connection-reset", connected, advanceRemote: message.Contains("[N", StringComparison.Ordinal));
            case OpenVpnError.PeerExit:
                _log.Info("Peer has announced it is exiting (EXIT)");
                return ConnectionOutcome.Restart("server-exit", connected);
            case OpenVpnError.HandshakeTimeout:
                _log.Info("TLS Error: TLS key negotiation failed to occur within the hand-window (check your network connectivity)");
                _log.Info("TLS Error: TLS handshake failed");
                return ConnectionOutcome.Restart("tls-error", connected);
            default:
                _log.Info($"Session closed ({e.Error}): {message}");
                return ConnectionOutcome.Restart("tls-error", connected);
        }
    }

    private ConnectionOutcome DroppedAfterCertificate(ClientConnection connection)
    {
        _log.Info($"TLS Error: {OpenVpnAddress.Format(connection.Remote)} stopped answering right after it received our certificate "
            + $"(no key exchange reply for {(SilenceAfterTlsMs / 1000).ToString(CultureInfo.InvariantCulture)} s); the server most likely rejected it");
        if (++_droppedAfterCertificate >= 2)
        {
            throw new ClientFatalException(
                $"The server {OpenVpnAddress.Format(connection.Remote)} dropped the connection twice right after receiving our client certificate: "
                + "it does not accept this certificate (issued by another CA, revoked, or expired); the server's log names the reason.");
        }

        return ConnectionOutcome.Restart("tls-error", wasConnected: false);
    }

    /// <summary>Receive thread: the server sent OCC_EXIT; the control loop restarts.</summary>
    internal void OnPeerExitNotify(ClientConnection connection)
    {
        if (ReferenceEquals(connection, _connection))
        {
            _peerExitNotified = true;
            Wake();
        }
    }

    /// <summary>explicit-exit-notify: EXIT over the control channel when negotiated (cc-exit), else OCC_EXIT packets (UDP).</summary>
    private void SendExitNotify(ClientConnection connection)
    {
        bool overControl;
        lock (connection.SessionLock)
        {
            overControl = connection.Session.SendExitNotify(MonotonicClock.NowMs);
            connection.DrainOutgoing();
        }

        if (overControl)
        {
            _log.Info("SIGTERM received, sending exit notification to peer");
            // Give the reliable EXIT a moment to be acknowledged (retransmitted by PollTimers meanwhile).
            long until = MonotonicClock.NowMs + 500;
            while (MonotonicClock.NowMs < until)
            {
                lock (connection.SessionLock)
                {
                    connection.Session.PollTimers(MonotonicClock.NowMs);
                    connection.DrainOutgoing();
                }

                Thread.Sleep(50);
            }

            return;
        }

        int count = _connectionSettings.ExplicitExitNotify;
        if (count <= 0 || connection.Link.IsStream)
        {
            return;
        }

        _log.Info("SIGTERM received, sending exit notification to peer");
        for (int i = 0; i < Math.Min(count, 5); i++)
        {
            int n = connection.Pipe.SealExitNotify(_controlWire);
            if (n > 0)
            {
                connection.SendQuietly(_controlWire.AsSpan(0, n));
            }

            if (i + 1 < count)
            {
                Thread.Sleep(ExitNotifyGapMs);
            }
        }
    }

    private long _firstResolveFailureMs;

    private IPEndPoint? Resolve(RemoteEndpoint remote)
    {
        IPEndPoint? endPoint = ResolveOnce(remote);
        if (endPoint is not null)
        {
            _firstResolveFailureMs = 0;
            return endPoint;
        }

        long now = MonotonicClock.NowMs;
        if (_firstResolveFailureMs == 0)
        {
            _firstResolveFailureMs = now;
        }

        // resolv-retry N: give up after N seconds of failed resolution (default infinite).
        if (_config.ResolvRetrySeconds is int limit && now - _firstResolveFailureMs >= limit * 1000L)
        {
            throw new ClientFatalException($"Cannot resolve the server address '{remote.Host}' (resolv-retry {limit.ToString(CultureInfo.InvariantCulture)} s exhausted).");
        }

        return null;
    }

    private IPEndPoint? ResolveOnce(RemoteEndpoint remote)
    {
        if (IPAddress.TryParse(remote.Host, out IPAddress? literal))
        {
            return new IPEndPoint(literal, remote.Port);
        }

        try
        {
            IPAddress[] addresses = Dns.GetHostAddresses(remote.Host);
            IPAddress? pick = remote.Family switch
            {
                AddressFamilyPreference.IPv4 => addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork),
                AddressFamilyPreference.IPv6 => addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetworkV6),
                _ => addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault(),
            };
            if (pick is null)
            {
                _log.Info($"RESOLVE: Cannot resolve host address: {remote.Host}:{remote.Port.ToString(CultureInfo.InvariantCulture)} (no address of the wanted family)");
                return null;
            }

            return new IPEndPoint(pick, remote.Port);
        }
        catch (SocketException ex)
        {
            _log.Info($"RESOLVE: Cannot resolve host address: {remote.Host}:{remote.Port.ToString(CultureInfo.InvariantCulture)} ({ex.Message})");
            return null;
        }
    }

    private IPacketLink OpenLink(RemoteEndpoint remote, IPEndPoint endPoint)
    {
        IPEndPoint? local = null;
        if (!_connectionSettings.Nobind && (_connectionSettings.LocalAddress is not null || _connectionSettings.LocalPort is not null))
        {
            IPAddress address = _connectionSettings.LocalAddress is { } text && IPAddress.TryParse(text, out IPAddress? parsed)
                ? parsed
                : endPoint.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;
            local = new IPEndPoint(address, _connectionSettings.LocalPort ?? 0);
        }

        if (remote.Protocol == TransportProtocol.Tcp)
        {
            var timeout = TimeSpan.FromSeconds(Math.Max(1, _connectionSettings.ServerPollTimeoutSeconds));
            TcpTransport tcp = ProxyOf(_connectionSettings).Server is not null
                ? ConnectThroughProxy(remote, endPoint, timeout, local)
                : ConnectTcp(endPoint, timeout, local);
            tcp.AckImmediately = true; // until connected: see TcpTransport.AckImmediately
            _log.Info($"TCPv4_CLIENT link local: (not bound)");
            _log.Info($"TCPv4_CLIENT link remote: {OpenVpnAddress.Format(endPoint)}");
            return tcp;
        }

        var options = new UdpTransportOptions
        {
            ReceiveBufferSize = _config.SocketReceiveBuffer ?? new UdpTransportOptions().ReceiveBufferSize,
            SendBufferSize = _config.SocketSendBuffer ?? new UdpTransportOptions().SendBufferSize,
            Link = LinkOptions(),
        };
        if (_connectionSettings.SocksProxy is not null)
        {
            return OpenSocksUdp(remote, endPoint, local, options);
        }

        UdpTransport udp = UdpTransport.ForClient(endPoint, local, options);
        foreach (string warning in udp.LinkWarnings)
        {
            _log.Info(warning);
        }

        _log.Info($"UDPv4 link local{(local is null ? ": (not bound)" : $" (bound): {OpenVpnAddress.Format(udp.LocalEndPoint)}")}");
        _log.Info($"UDPv4 link remote: {OpenVpnAddress.Format(endPoint)}");
        return udp;
    }

    /// <summary>
    /// UDP through a SOCKS5 proxy (OpenVPN's UDP ASSOCIATE): a TCP connection to the proxy that holds the association,
    /// and datagrams to its relay that name the server. For UDP the client resolves the server's name itself.
    /// </summary>
    private SocksUdpLink OpenSocksUdp(RemoteEndpoint remote, IPEndPoint proxyEndPoint, IPEndPoint? local, UdpTransportOptions options)
    {
        IPEndPoint server = ResolveOnce(remote)
            ?? throw new SocketException((int)SocketError.HostNotFound, $"cannot resolve the server '{remote.Host}' to send to it through the SOCKS proxy");
        var timeout = TimeSpan.FromSeconds(Math.Max(1, _connectionSettings.ServerPollTimeoutSeconds));
        TcpTransport control = ConnectTcp(proxyEndPoint, timeout, local: null);
        try
        {
            var handshake = (SocksProxyHandshake)HandshakeFor(_connectionSettings);
            IPEndPoint relayEndPoint = handshake.Associate(control.Socket, timeout);
            UdpTransport relay = UdpTransport.ForClient(relayEndPoint, local, options);
            foreach (string warning in relay.LinkWarnings)
            {
                _log.Info(warning);
            }

            _log.Info($"SOCKS proxy wants us to send UDP to {OpenVpnAddress.Format(relayEndPoint)}");
            _log.Info($"UDPv4 link remote: {OpenVpnAddress.Format(server)} through the SOCKS relay {OpenVpnAddress.Format(relayEndPoint)}");
            return new SocksUdpLink(relay, control, server);
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    private TcpTransport ConnectTcp(IPEndPoint endPoint, TimeSpan timeout, IPEndPoint? local)
    {
        _log.Info($"Attempting to establish TCP connection with {OpenVpnAddress.Format(endPoint)}");
        TcpTransport tcp = TcpTransport.Connect(endPoint, timeout, local, link: LinkOptions(), warn: _log.Info);
        _log.Info($"TCP connection established with {OpenVpnAddress.Format(endPoint)}");
        return tcp;
    }

    /// <summary>The proxy the connection options name (http-proxy or socks-proxy; never both); nulls for none.</summary>
    private static (string? Server, int Port) ProxyOf(ConnectionBlockSettings settings) =>
        settings.HttpProxy is { } http ? (http.Server, http.Port)
        : settings.SocksProxy is { } socks ? (socks.Server, socks.Port)
        : (null, 0);

    /// <summary>
    /// A TCP connection to <paramref name="proxyEndPoint"/> that the proxy has connected to the remote. An HTTP proxy
    /// under 'auto' may first answer with a 407 naming the method it wants: then once more with it (OpenVPN's
    /// proxy_retry in socket.c), and the method is kept for later connections.
    /// </summary>
    private TcpTransport ConnectThroughProxy(RemoteEndpoint remote, IPEndPoint proxyEndPoint, TimeSpan timeout, IPEndPoint? local)
    {
        ProxyHandshake handshake = HandshakeFor(_connectionSettings);
        for (int attempt = 0; ; attempt++)
        {
            TcpTransport tcp = ConnectTcp(proxyEndPoint, timeout, local);
            try
            {
                if (handshake.Run(tcp.Socket, remote.Host, remote.Port, timeout))
                {
                    _log.Info($"{(handshake is HttpProxyHandshake ? "HTTP" : "SOCKS")} proxy {OpenVpnAddress.Format(proxyEndPoint)} connected us to {remote.Host}:{remote.Port.ToString(CultureInfo.InvariantCulture)}");
                    return tcp;
                }
            }
            catch
            {
                tcp.Dispose();
                throw;
            }

            tcp.Dispose();
            if (attempt > 0)
            {
                throw new ProxyException("the proxy asked for authentication again after we sent it");
            }
        }
    }

    private ProxyHandshake HandshakeFor(ConnectionBlockSettings settings)
    {
        object key = (object?)settings.HttpProxy ?? settings.SocksProxy!;
        if (!_proxyHandshakes.TryGetValue(key, out ProxyHandshake? handshake))
        {
            handshake = settings.HttpProxy is { } http
                ? new HttpProxyHandshake(http, () => ClientCredentials.AskProxy(_config, http.Credentials, "HTTP Proxy", _options.Prompt)) { Log = _log.Info }
                : new SocksProxyHandshake(settings.SocksProxy!, () => ClientCredentials.AskProxy(_config, settings.SocksProxy!.Credentials, "SOCKS Proxy", _options.Prompt));
            _proxyHandshakes.Add(key, handshake);
        }

        return handshake;
    }

    /// <summary>
    /// Pushed timer options take the place of the config's, and OpenVPN restarts its timers when they arrive (init.c
    /// do_init_timers at do_up), so inactive and session-timeout count from here. ping and ping-restart run in the
    /// session, the rest (ping-exit among them) in the session limits.
    /// </summary>
    private void ApplyPushedTimers(ClientConnection connection, PushReplyOptions push)
    {
        KeepaliveSettings timers = _config.Keepalive.WithPulled(push);
        lock (connection.SessionLock)
        {
            connection.Session.SetKeepalive(timers.PingSeconds * 1000L, timers.PingRestartSeconds * 1000L);
        }

        _limits = new SessionLimits(timers.InactiveSeconds, timers.InactiveMinimumBytes, timers.SessionTimeoutSeconds,
            timers.PingExitSeconds, MonotonicClock.NowMs, SessionLimits.TunBytes(connection.Pipe));
    }

    /// <summary>
    /// AUTH_FAILED, as OpenVPN's client takes it (push.c receive_auth_failed): a temporary refusal (TEMP) is retried
    /// after the server's backoff; with auth-retry the login is tried again on the same server, with the credentials
    /// (or a dynamic challenge's response) asked anew under 'interact'. Null = give up.
    /// </summary>
    private ConnectionOutcome? OnAuthFailed(string message, bool connected)
    {
        _log.Info($"AUTH: Received control message: {AuthFailedReply.ControlMessage(message)}");
        AuthFailedReply reply = AuthFailedReply.Parse(message);
        if (reply.IsTemporary)
        {
            _serverBackoffSeconds = reply.BackoffSeconds;
            return ConnectionOutcome.Restart("auth-temp-failure (server temporary reject)", connected, advanceRemote: reply.AdvanceRemote == true)
                with { StayOnRemote = reply.AdvanceRemote != true };
        }

        if (_config.AuthRetry == AuthRetry.None || _config.AuthUserPass is null)
        {
            return null;
        }

        if (_config.AuthRetry == AuthRetry.Interact)
        {
            _factory.Credentials = reply.Challenge is { } challenge
                ? ClientCredentials.AnswerChallenge(_config, _options.Prompt, challenge)
                : ClientCredentials.AskUserPass(_config, _options.Prompt);
        }

        return ConnectionOutcome.Restart("auth-failure", connected) with { StayOnRemote = true };
    }

    /// <summary>mark / bind-dev for the tunnel's socket (logged once it is made, as openvpn's "Using bind-dev").</summary>
    private LinkSocketOptions? LinkOptions()
    {
        if (_config.BindDevice is { } dev)
        {
            _log.Info($"Using bind-dev {dev}");
        }

        return LinkSocketOptions.For(_config.SocketMark, _config.BindDevice);
    }
}
