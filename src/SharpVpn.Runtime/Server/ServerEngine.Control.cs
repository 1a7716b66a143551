using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Platform.Systemd;
using SharpVpn.Protocol;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    // Control-loop state (only the Run thread touches these).
    private readonly List<ServerClient> _clients = [];
    private readonly List<(ServerClient Client, long DisposeAtMs)> _graveyard = [];
    private readonly List<SessionEvent> _events = [];
    private readonly byte[] _controlWire = new byte[ProtocolConstants.MaxControlPacketBytes + ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes];
    private readonly AddressAllocator? _allocator;
    private readonly ConnectRateLimiter? _connectLimiter;
    private long _nextClientId;
    private long _clientsCreated;
    private DateTime _crlWriteTime;
    private long _nextCrlCheckMs;

    /// <summary>Clients with state (handshaking or connected). Read by tests and the management interface via snapshots.</summary>
    public int ClientCount => Volatile.Read(ref _clientCountSnapshot);

    /// <summary>Client instances created since start (each one passed the HMAC and cookie checks).</summary>
    public long ClientsCreated => Interlocked.Read(ref _clientsCreated);

    private int _clientCountSnapshot;

    private void ControlLoop()
    {
        _crlWriteTime = CrlWriteTime();
        while (_shutdownSignal is null)
        {
            if (_fatal is { } fatal)
            {
                throw fatal;
            }

            long now = MonotonicClock.NowMs;
            DrainControlQueue(now);
            RunControlActions();
            if (_reloadRequested)
            {
                _reloadRequested = false;
                Reload("SIGHUP");
            }

            if (_statisticsRequested)
            {
                _statisticsRequested = false;
                LogStatistics();
            }

            if (now >= _nextCrlCheckMs)
            {
                _nextCrlCheckMs = now + 1000;
                CheckCrlFile();
                RunManagementTimers();
                DisposeGraveyard(now, force: false);
            }

            long deadline = now + 1000;
            for (int i = _clients.Count - 1; i >= 0; i--)
            {
                if (i >= _clients.Count)
                {
                    continue;
                }

                ServerClient client = _clients[i];
                long next = ServiceClient(client, now);
                deadline = Math.Min(deadline, next);
            }

            Volatile.Write(ref _clientCountSnapshot, _clients.Count);
            WriteStatus(force: false);
            if (!_controlQueue.IsEmpty)
            {
                continue;
            }

            long wait = Math.Clamp(deadline - MonotonicClock.NowMs, 0, 1000);
            if (wait > 0)
            {
                _wake.WaitOne((int)wait);
            }
        }
    }

    private void DrainControlQueue(long now)
    {
        for (int budget = 256; budget > 0 && _controlQueue.TryDequeue(out ControlWork? work); budget--)
        {
            Interlocked.Decrement(ref _controlQueued);
            try
            {
                switch (work.Kind)
                {
                    case ControlWorkKind.Packet:
                        if (!work.Client!.Closing)
                        {
                            work.Client.ControlBytesIn += work.Packet.Length;
                            work.Client.Session.ProcessControl(work.Packet, now);
                            ServiceClient(work.Client, now);
                        }

                        break;
                    case ControlWorkKind.NewClient:
                        CreateClient(work, now);
                        break;
                    case ControlWorkKind.LinkClosed:
                        if (!work.Client!.Closing)
                        {
                            Teardown(work.Client, work.Reason ?? "Connection reset", "SIGUSR1[soft,connection-reset] client-instance restarting");
                        }

                        break;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // security.md #1: one peer's packet ends at most that peer's session.
                ServerClient? client = work.Client;
                LogInfo($"{client?.LogPrefix ?? work.Address?.ToString() ?? "?"} Error processing a control packet: {ex.GetType().Name}: {ex.Message}");
                if (client is not null && !client.Closing)
                {
                    Teardown(client, "internal error", "SIGUSR1[soft,error] client-instance restarting");
                }

                work.Tcp?.Assign(null);
            }
        }
    }

    private void CreateClient(ControlWork work, long now)
    {
        ClientAddress address = work.Address!;
        GateResult gate = work.Gate;
        if (work.Tcp is null && Routes.FindByEndpoint(address.Endpoint) is { } existing && !existing.Closing)
        {
            if (existing.RemoteSessionId == gate.ClientSessionId)
            {
                // A retransmitted third packet that raced the session's creation.
                existing.ControlBytesIn += work.Packet.Length;
                existing.Session.ProcessControl(work.Packet, now);
                ServiceClient(existing, now);
                (gate.Wrap as IDisposable)?.Dispose();
                return;
            }

            LogInfo($"{existing.LogPrefix} Client restarted from the same address; replacing the previous session");
            Teardown(existing, "client restarted", "SIGUSR1[soft,restart] client-instance restarting");
        }

        int active = _clients.Count;
        if (active >= _config.MaxClients)
        {
            LogInfo($"MULTI: new incoming connection would exceed maximum number of clients ({_config.MaxClients.ToString(CultureInfo.InvariantCulture)})");
            Refuse(work);
            return;
        }

        if (_connectLimiter is not null && !_connectLimiter.TryAcquire(now))
        {
            LogWrite(LogLevel.Details, $"{address} TLS Error: connect-freq limit reached; connection refused");
            Refuse(work);
            return;
        }

        // tls-crypt-v2-verify: the client key's metadata decides before the session exists (its wrapping is authenticated).
        if (_tlsCryptV2Verify is { } v2Verify && gate.Wrap is TlsCryptV2ServerWrap v2
            && !v2Verify.Accepts(v2.Metadata.Span, line => LogInfo($"{address} {line}")))
        {
            Refuse(work);
            return;
        }

        int peerId = Routes.AllocatePeerId();
        if (peerId < 0)
        {
            Refuse(work);
            return;
        }

        // As openvpn re-reads a changed crl-verify file for each new TLS session: a client revoked a moment ago
        // (profile revoke) and reconnecting before the once-a-second check must meet the new CRL.
        CheckCrlFile();
        IControlChannelWrap wrap = gate.Wrap ?? _factory.CreateWrap();
        TunnelSessionOptions options = _factory.CreateSessionOptions(wrap, peerId, NetTime, TlsVerifyFor(address));
        TunnelSession session = gate.Verdict == GateVerdict.CreateFromCookie
            ? TunnelSession.CreateServerFromCookie(options, gate.Cookie, gate.ClientSessionId, now)
            : TunnelSession.CreateServer(options, now);
        var pipe = new DataChannelPipe(session, _factory.Framing) { MaxSegmentSize = MssClamp.ForConfig(_config.Tun.MssFix, _config.Tun.MssFixMode) };
        var client = new ServerClient(Interlocked.Increment(ref _nextClientId) - 1, peerId, session, pipe, address, _udp, work.Tcp?.Transport)
        {
            RemoteSessionId = gate.ClientSessionId,
        };
        Routes.Add(client);
        _clients.Add(client);
        Interlocked.Increment(ref _clientsCreated);
        work.Tcp?.Assign(client);
        if (_log.IsEnabled(LogLevel.Details))
        {
            LogWrite(LogLevel.Details, $"{address} MULTI: multi_create_instance called (peer-id {peerId.ToString(CultureInfo.InvariantCulture)})");
        }

        client.ControlBytesIn += work.Packet.Length;
        session.ProcessControl(work.Packet, now);
        ServiceClient(client, now);
    }

    private static void Refuse(ControlWork work)
    {
        (work.Gate.Wrap as IDisposable)?.Dispose();
        work.Tcp?.Assign(null);
    }

    /// <summary>Runs one client's timers, sends its control packets, handles its events. Returns its next deadline.</summary>
    private long ServiceClient(ServerClient client, long now)
    {
        if (client.Closing)
        {
            return long.MaxValue;
        }

        TunnelSession session = client.Session;
        if (client.FloatCandidate is { } moved)
        {
            client.FloatCandidate = null;
            if (Routes.FindByEndpoint(moved.Endpoint) is null)
            {
                LogInfo($"{client.LogPrefix} Float: peer address changed to {moved} (after an authenticated packet)");
                Routes.Float(client, moved);
            }
        }

        if (client.ExitNotified)
        {
            Teardown(client, "remote-exit", "SIGTERM[soft,remote-exit] client-instance exiting");
            return long.MaxValue;
        }

        if (client.KillReason is { } kill)
        {
            session.SendControlMessage(client.KillMessage ?? "RESTART", now);
            DrainOutgoing(client);
            Teardown(client, kill, "SIGTERM[soft,kill] client-instance exiting");
            return long.MaxValue;
        }

        if (now >= client.NextAuthTokenRenewalMs)
        {
            RenewAuthToken(client, now);
        }

        if (client.Limits?.Check(now, SessionLimits.TunBytes(client.Pipe), client.Pipe.LastReceivedMs) is { } limit)
        {
            // As openvpn's server: the client instance ends without a word to the client (multi_close_instance_on_signal).
            LogInfo($"{client.LogPrefix} {SessionLimits.Describe(limit)}");
            Teardown(client, limit, $"SIGTERM[soft,{limit}] client-instance exiting");
            return long.MaxValue;
        }

        session.NotifyDataSent(client.Pipe.LastSentMs);
        session.NotifyDataReceived(client.Pipe.LastReceivedMs);
        if (now >= session.NextDeadlineMs)
        {
            session.PollTimers(now);
        }

        DrainOutgoing(client);
        while (session.TryDequeueEvent(out SessionEvent e))
        {
            _events.Add(e);
        }

        foreach (SessionEvent e in _events)
        {
            if (client.Closing)
            {
                break;
            }

            HandleEvent(client, e, now);
        }

        _events.Clear();
        if (!client.Closing)
        {
            DrainOutgoing(client);
        }

        return client.Closing ? long.MaxValue
            : Math.Min(Math.Min(session.NextDeadlineMs, client.NextAuthTokenRenewalMs), client.Limits?.NextCheckMs(now) ?? long.MaxValue);
    }

    private void DrainOutgoing(ServerClient client)
    {
        while (client.Session.TryDequeueOutgoing(_controlWire, out int n))
        {
            client.ControlBytesOut += n;
            client.Send(_controlWire.AsSpan(0, n));
        }
    }

    private void HandleEvent(ServerClient client, SessionEvent e, long now)
    {
        TunnelSession session = client.Session;
        switch (e.Kind)
        {
            case SessionEventKind.PeerAuthenticationRequired:
                Authorize(client, now);
                break;
            case SessionEventKind.RenegotiationApprovalRequired:
                ReauthorizeRenegotiation(client, e.KeyId, now);
                break;
            case SessionEventKind.Connected:
                client.Established = true;
                client.ConnectedSince = DateTimeOffset.Now;
                client.Limits = NewLimits(client, now);
                LogWrite(LogLevel.Handshake, $"{client.LogPrefix} Control Channel: {session.TlsDescription}, peer certificate: CN={client.CommonName}");
                LogInfo($"{client.Address} [{client.CommonName}] Peer Connection Initiated with [AF_INET]{client.Address}");
                LogInfo($"{client.LogPrefix} Data Channel: cipher '{session.DataCipher}', peer-id: {client.PeerId.ToString(CultureInfo.InvariantCulture)}");
                _management?.OnClientEstablished(client);
                break;
            case SessionEventKind.KeysChanged:
                LogWrite(LogLevel.Details, $"{client.LogPrefix} TLS: soft reset complete, data channel key_id {e.KeyId.ToString(CultureInfo.InvariantCulture)} active");
                break;
            case SessionEventKind.PingDue:
                int n = client.Pipe.SealPing(_controlWire);
                if (n > 0)
                {
                    client.Send(_controlWire.AsSpan(0, n));
                }

                break;
            case SessionEventKind.Info:
                LogWrite(LogLevel.Details, $"{client.LogPrefix} {e.Message}");
                break;
            case SessionEventKind.Closed:
                OnSessionClosed(client, e);
                break;
        }
    }

    private void OnSessionClosed(ServerClient client, SessionEvent e)
    {
        DrainOutgoing(client);
        switch (e.Error)
        {
            case OpenVpnError.PingRestart:
                LogInfo($"{client.LogPrefix} [{client.CommonName}] Inactivity timeout (--ping-restart), restarting");
                Teardown(client, "ping-restart", "SIGUSR1[soft,ping-restart] client-instance restarting");
                break;
            case OpenVpnError.PeerExit:
                Teardown(client, "remote-exit", "SIGTERM[soft,remote-exit] client-instance exiting");
                break;
            case OpenVpnError.HandshakeTimeout:
                LogInfo($"{client.LogPrefix} TLS Error: {e.Message}");
                LogInfo($"{client.LogPrefix} TLS Error: TLS handshake failed");
                Teardown(client, "tls-error", "SIGUSR1[soft,tls-error] client-instance restarting");
                break;
            case OpenVpnError.AuthenticationFailed or OpenVpnError.CipherNegotiationFailed:
                LogInfo($"{client.LogPrefix} {e.Message}");
                Teardown(client, "auth-failure", "SIGUSR1[soft,auth-failure] client-instance restarting");
                break;
            default:
                LogInfo($"{client.LogPrefix} TLS Error: {e.Message}");
                Teardown(client, "tls-error", "SIGUSR1[soft,tls-error] client-instance restarting");
                break;
        }
    }

    /// <summary>Ends a client: out of every table, its pool entry released, disposed a little later (data threads may hold it).</summary>
    /// <summary>The config's inactive / session-timeout / ping-exit for a client connected now; null when none is set.</summary>
    private SessionLimits? NewLimits(ServerClient client, long now)
    {
        SharpVpn.Config.KeepaliveSettings k = _config.Keepalive;
        var limits = new SessionLimits(k.InactiveSeconds, k.InactiveMinimumBytes, k.SessionTimeoutSeconds, k.PingExitSeconds, now,
            SessionLimits.TunBytes(client.Pipe));
        return limits.IsNone ? null : limits;
    }

    private void Teardown(ServerClient client, string reason, string logLine)
    {
        if (client.Closing)
        {
            return;
        }

        client.Closing = true;
        Routes.Remove(client);
        _learnAddress?.Delete(client.LearnedAddresses, LogInfo);
        if (client.PoolIndex >= 0)
        {
            _allocator?.Release(client.PoolIndex);
        }

        _clients.Remove(client);
        Volatile.Write(ref _clientCountSnapshot, _clients.Count);
        LogInfo($"{client.LogPrefix} {logLine}");
        if (client.Established)
        {
            _management?.OnClientDisconnected(client, reason);
        }

        if (client.Accepted && _connectScripts is { HasDisconnect: true } scripts)
        {
            RunClientDisconnect(client, scripts);
        }

        client.Tcp?.Dispose();
        _graveyard.Add((client, MonotonicClock.NowMs + 5000));
    }

    private void DisposeGraveyard(long now, bool force)
    {
        for (int i = _graveyard.Count - 1; i >= 0; i--)
        {
            if (force || now >= _graveyard[i].DisposeAtMs)
            {
                _graveyard[i].Client.Dispose();
                _graveyard.RemoveAt(i);
            }
        }
    }

    /// <summary>Marks the matching clients to be killed (management 'kill', CRL). Control loop.</summary>
    internal int KillClients(Func<ServerClient, bool> match, string reason, string? message = null)
    {
        int killed = 0;
        foreach (ServerClient client in _clients.ToArray())
        {
            if (!client.Closing && match(client))
            {
                client.KillReason = reason;
                client.KillMessage = message;
                ServiceClient(client, MonotonicClock.NowMs);
                killed++;
            }
        }

        return killed;
    }

    private void NotifyClientsOfShutdown()
    {
        if (_clients.Count == 0)
        {
            return;
        }

        long now = MonotonicClock.NowMs;
        foreach (ServerClient client in _clients)
        {
            if (!client.Established || client.Closing)
            {
                continue;
            }

            // explicit-exit-notify on a server: tell clients to reconnect (2.6 sends RESTART over the control channel).
            if (_config.ExplicitExitNotify > 0)
            {
                client.Session.SendControlMessage(_config.ExplicitExitNotify > 1 ? "RESTART,[N]" : "RESTART", now);
                DrainOutgoing(client);
            }
        }

        if (_config.ExplicitExitNotify > 0)
        {
            Thread.Sleep(200); // let the notifications leave before the socket closes
        }
    }

    private void CloseAllClients()
    {
        foreach (ServerClient client in _clients.ToArray())
        {
            Teardown(client, "server shutdown", "SIGTERM[hard,] client-instance exiting");
        }

        DisposeGraveyard(0, force: true);
    }

    private void SavePool()
    {
        try
        {
            _allocator?.Save(force: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogInfo($"Cannot write ifconfig-pool-persist file: {ex.Message}");
        }
    }

    /// <summary>True if the CRLs loaded now (not necessarily those of the client's handshake) revoke <paramref name="certificate"/>.</summary>
    private bool IsRevokedByCurrentCrl(X509Certificate2 certificate) =>
        // Without a CA (peer-fingerprint alone) no CRL applies, as in the TLS check and in OpenVPN.
        _config.Tls.CaPem is not null && _factory.RevocationLists.Any(l => l.CoversIssuerOf(certificate) && l.IsRevoked(certificate));

    private DateTime CrlWriteTime() =>
        _config.Tls.CrlPath is { } path && File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;

    private void CheckCrlFile()
    {
        if (_config.Tls.CrlPath is null)
        {
            return;
        }

        DateTime stamp = CrlWriteTime();
        if (stamp != _crlWriteTime)
        {
            _crlWriteTime = stamp;
            Reload("CRL file changed");
        }
    }

    /// <summary>SIGHUP / CRL change: re-read the CRL (new handshakes use it) and drop connected clients it revokes; ccd files are read per connection.</summary>
    private void Reload(string why)
    {
        LogInfo($"{why}: reloading CRL and client-config-dir (connected clients stay)");
        SystemdNotify.Reloading();
        if (_factory.ReloadCrl(out string? error))
        {
            _crlWriteTime = CrlWriteTime();
            int killed = KillClients(c => c.Session.PeerCertificate is { } cert && IsRevokedByCurrentCrl(cert), "certificate revoked");
            if (killed > 0)
            {
                LogInfo($"CRL: disconnected {killed.ToString(CultureInfo.InvariantCulture)} client(s) whose certificate is now revoked");
            }
        }
        else if (error is not null)
        {
            LogInfo(error);
        }

        SystemdNotify.Ready();
    }
}
