using System.Globalization;
using System.Runtime.InteropServices;
using SharpVpn.Config;
using SharpVpn.Platform.Tun;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// <c>sharpvpn client</c>: connects to an OpenVPN 2.4-2.6 server with a standard client config and carries
/// traffic between a TUN device and the server.
/// <code>
///  control loop (the Run thread)  connect (remote list, backoff) -> session timers / events -> PUSH_REPLY -> TUN,
///                                 routes, DNS -> keepalive, renegotiation, reconnect, shutdown + exit notify
///  LinkReceiveLoop (thread)       socket -> data: decrypt -> TUN; control: session (under the session lock)
///  TunReadLoop (thread)           TUN -> frame + encrypt with the current key -> socket
/// </code>
/// Shared state by concern: <see cref="CurrentConnection"/> (volatile; replaced by the control loop on reconnect,
/// read by both data threads), <c>_tun</c> (volatile; opened/closed by the control loop, written by the receive
/// thread), session calls under <see cref="ClientConnection.SessionLock"/>.
/// </summary>
public sealed partial class ClientEngine : IDisposable
{
    private readonly ClientConfig _config;
    private readonly OpenVpnLog _log;
    private readonly ClientEngineOptions _options;
    private readonly ClientSessionFactory _factory;
    private readonly PacketBufferPool _pool;
    private readonly AutoResetEvent _wake = new(false);
    private readonly long _startedMs = MonotonicClock.NowMs;
    private readonly List<PosixSignalRegistration> _signals = [];

    private volatile ClientConnection? _connection;

    /// <summary>Connection options of the remote being tried (its &lt;connection&gt; block's, or the config's).</summary>
    private ConnectionBlockSettings _connectionSettings;
    private int _serverBackoffSeconds;

    /// <summary>inactive / session-timeout / ping-exit of the current connection (restarted by the server's push).</summary>
    private SessionLimits _limits = null!;
    private volatile ITunDevice? _tun;
    private MadeAhead<OpenedTun>? _tunAhead;
    private TunReadLoop? _tunLoop;
    private ClientTunHandler? _tunHandler;
    private TunnelNetwork? _network;
    private volatile string? _shutdownSignal;
    private volatile string? _restartSignal;
    private volatile Exception? _tunFault;
    private long _tunWriteDrops;

    // Counters of finished connections (the status file shows totals).
    private long _doneTunRead;
    private long _doneTunWrite;
    private long _doneLinkRead;
    private long _doneLinkWrite;
    private long _nextStatusMs;

    public ClientEngine(ClientConfig config, OpenVpnLog log, ClientEngineOptions? options = null)
    {
        _config = config;
        _log = log;
        _options = options ?? new ClientEngineOptions();
        if (config.Remotes.Count == 0)
        {
            throw new InvalidOperationException($"{config.SourceName}: no 'remote' given; the client needs the server's address.");
        }

        _connectionSettings = config.ConnectionOf(config.Remotes[0]);
        _factory = _options.TlsAhead?.Take(config) ?? new ClientSessionFactory(config);
        _factory.PeerCheck = TlsVerifyCheck(config);
        _pool = new PacketBufferPool(DataPathLayout.BufferBytesFor(config.Tun.TunMtu), maxPooled: 256);
    }

    /// <summary>Milliseconds from engine creation to the first "Initialization Sequence Completed"; null before.</summary>
    public long? HandshakeMilliseconds { get; private set; }

    internal ClientConnection? CurrentConnection => _connection;

    /// <summary>Asks the engine to disconnect (exit notify, cleanup) and return from <see cref="Run"/>. Thread-safe.</summary>
    public void RequestShutdown(string signal = "SIGTERM")
    {
        _shutdownSignal ??= signal;
        Wake();
    }

    /// <summary>Asks for a reconnect (OpenVPN's SIGUSR1/SIGHUP soft restart). Thread-safe.</summary>
    public void RequestRestart(string signal = "SIGUSR1")
    {
        _restartSignal = signal;
        Wake();
    }

    internal void Wake() => _wake.Set();

    /// <summary>
    /// Runs until SIGINT/SIGTERM (or <paramref name="cancellationToken"/>): returns 0 after a clean shutdown.
    /// Throws <see cref="ClientFatalException"/> for failures retrying cannot fix (AUTH_FAILED, certificate rejected,
    /// HALT); everything it set up is removed either way.
    /// </summary>
    public int Run(CancellationToken cancellationToken = default)
    {
        // Credentials and the ClientHello get ready meanwhile (about 2 ms of OpenSSL work off the handshake's path);
        // already under way when the engine was given a ClientTlsAhead.
        _factory.PrepareFirstTls();
        using CancellationTokenRegistration registration = cancellationToken.Register(() => RequestShutdown("SIGTERM"));
        LogStartup();
        if (_config.Logging.WritePidFile is not null)
        {
            // The pid file must not outlive us: once it exists (an init script may signal at once), SIGTERM has to
            // reach our handler, not the default action. Costs ~1 ms before the first reset, only with writepid.
            EnsureSignalHandlers();
        }
        PidFile.Write(_config.Logging.WritePidFile);
        if (_config.AuthUserPass is { } login && login.NeedsPromptWith(_config.StaticChallenge))
        {
            // Asked before connecting (the TLS engine is made meanwhile), so no handshake waits on the keyboard.
            _factory.Credentials = ClientCredentials.AskUserPass(_config, _options.Prompt);
        }

        if (_config.AuthUserPass is not null)
        {
            if (_config.AuthNoCache)
            {
                _factory.ReadCredentialsAgain = () => ClientCredentials.ReadAgain(_config, _options.Prompt);
            }
            else
            {
                _log.Info("WARNING: this configuration may cache passwords in memory -- use the auth-nocache option to prevent this");
            }
        }

        int unsuccessful = 0;
        int remoteIndex = 0;
        IReadOnlyList<RemoteEndpoint> remotes = OrderRemotes();
        try
        {
            while (true)
            {
                ThrowIfTunFailed();
                if (_shutdownSignal is { } signal)
                {
                    _log.Info($"{signal}[hard,] received, process exiting");
                    return 0;
                }

                ConnectionOutcome outcome = RunConnection(remotes[remoteIndex % remotes.Count]);
                EnsureSignalHandlers(); // RunConnection registers them once its reset is out; not if it ended before
                if (outcome.End == ConnectionEnd.Shutdown)
                {
                    _log.Info(outcome.IsSoft ? $"SIGTERM[soft,{outcome.Reason}] received, process exiting" : $"{outcome.Reason}[hard,] received, process exiting");
                    return 0;
                }

                unsuccessful = outcome.WasConnected ? 0 : unsuccessful + 1;
                // connect-retry-max n: stop after n unsuccessful attempts per remote.
                if (_config.ConnectRetryMax is int max && unsuccessful >= max * remotes.Count)
                {
                    throw new ClientFatalException(
                        $"Could not connect to any remote after {unsuccessful.ToString(CultureInfo.InvariantCulture)} attempts (connect-retry-max {max.ToString(CultureInfo.InvariantCulture)}); last error: {outcome.Reason}.");
                }

                if (outcome.AdvanceRemote || (!outcome.WasConnected && remotes.Count > 1 && !outcome.StayOnRemote))
                {
                    remoteIndex++;
                }

                _log.Info($"SIGUSR1[soft,{outcome.Reason}] received, process restarting");
                if (!_config.Process.PersistTun)
                {
                    CloseTun("SIGUSR1");
                }
                else if (_config.Process.UpRestart)
                {
                    RunDownScript("SIGUSR1", "restart"); // the device stays; up runs again with "restart" (init.c do_close_tun)
                }

                int pause = RestartPauseSeconds(unsuccessful, remotes.Count);
                if (pause > 0)
                {
                    _log.Info($"Restart pause, {pause.ToString(CultureInfo.InvariantCulture)} second(s)");
                    WaitInterruptible(pause * 1000L);
                }
            }
        }
        finally
        {
            CloseTun(_shutdownSignal ?? "SIGTERM");
            WriteStatus(force: true);
            PidFile.Delete(_config.Logging.WritePidFile, _log.Info);
            foreach (PosixSignalRegistration s in _signals)
            {
                s.Dispose();
            }

            _signals.Clear();
        }
    }

    /// <summary>
    /// OpenVPN's socket_restart_pause (init.c): connect-retry seconds, doubled for every unsuccessful attempt past
    /// 5 per remote, capped by connect-retry's max.
    /// </summary>
    private int RestartPauseSeconds(int unsuccessful, int remoteCount)
    {
        // init.c socket_restart_pause: auth-retry nointeract waits 10 s before every retry.
        int sec = _config.AuthRetry == AuthRetry.NoInteract ? 10 : _connectionSettings.ConnectRetrySeconds;
        // A server's AUTH_FAILED,TEMP[backoff N] sets the least wait once (server_backoff_time).
        sec = Math.Max(sec, _serverBackoffSeconds);
        _serverBackoffSeconds = 0;
        int backoff = (unsuccessful / Math.Max(1, remoteCount)) - 4;
        if (backoff > 0)
        {
            sec = Math.Max(sec, 1) << Math.Min(backoff, 15);
        }

        return Math.Min(sec, _connectionSettings.ConnectRetryMaxSeconds);
    }

    private IReadOnlyList<RemoteEndpoint> OrderRemotes()
    {
        if (!_config.RemoteRandom || _config.Remotes.Count < 2)
        {
            return _config.Remotes;
        }

        RemoteEndpoint[] shuffled = [.. _config.Remotes];
        Random.Shared.Shuffle(shuffled);
        return shuffled;
    }

    /// <summary>Waits up to <paramref name="ms"/> unless a shutdown is requested.</summary>
    private void WaitInterruptible(long ms)
    {
        long until = MonotonicClock.NowMs + ms;
        while (_shutdownSignal is null)
        {
            long left = until - MonotonicClock.NowMs;
            if (left <= 0)
            {
                return;
            }

            _wake.WaitOne((int)Math.Min(left, 1000));
        }
    }

    /// <summary>
    /// Installs the signal handlers once. Not at start but after the first reset went out (issue 7, handshake time):
    /// the first registration sets up the runtime's signal handling (~0.5-1 ms), and until then a signal does what
    /// it does to any process, which is also all there is to do before a connection (nothing to tear down yet),
    /// unless a writepid file was written: then they are installed before it.
    /// </summary>
    private void EnsureSignalHandlers()
    {
        if (_options.HandleSignals && _signals.Count == 0)
        {
            RegisterSignals();
        }
    }

    private void RegisterSignals()
    {
        SignalHandlers.Add(_signals, PosixSignal.SIGINT, () => RequestShutdown("SIGINT"));
        SignalHandlers.Add(_signals, PosixSignal.SIGTERM, () => RequestShutdown("SIGTERM"));
        SignalHandlers.Add(_signals, PosixSignal.SIGHUP, () => RequestRestart("SIGHUP"));
        if (OperatingSystem.IsLinux())
        {
            // SIGUSR1 = soft restart, SIGUSR2 = statistics to the log, as openvpn does.
            SignalHandlers.Add(_signals, SignalHandlers.SigUsr1, () => RequestRestart("SIGUSR1"));
            SignalHandlers.Add(_signals, SignalHandlers.SigUsr2, LogStatistics);
        }
    }

    private void LogStartup()
    {
        _log.Info($"SharpVPN {BuildInfo.ProductVersion} client (OpenVPN 2.6 compatible) {BuildInfo.Platform}");
        _log.Info($"Configuration: {_config.SourceName}");
        foreach (string warning in _config.Warnings)
        {
            _log.Info($"WARNING: {warning}");
        }

        if (_config.Tls.CaPem is null && _config.Tls.PeerFingerprints is not null)
        {
            // OpenVPN's words (options.c), so the PKI-less mode shows in the log as with openvpn.
            _log.Info("Using certificate fingerprint to verify peer (no CA option set).");
        }

        if (_log.IsEnabled(LogLevel.Options))
        {
            _log.Write(LogLevel.Options, $"OCC options string: {_factory.OptionsString}");
        }
    }

    private void WriteStatus(bool force)
    {
        if (_config.Logging.StatusFile is not { } path)
        {
            return;
        }

        long now = MonotonicClock.NowMs;
        if (!force && now < _nextStatusMs)
        {
            return;
        }

        _nextStatusMs = now + Math.Max(1, _config.Logging.StatusIntervalSeconds) * 1000L;
        try
        {
            StatusFile.Write(path, _connection?.Pipe, _doneTunRead, _doneTunWrite, _doneLinkRead, _doneLinkWrite,
                _factory.Framing != DataChannel.CompressionFramingMode.None);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _log.Info($"Cannot write the status file '{path}': {ex.Message}");
        }
    }

    /// <summary>SIGUSR2: the status counters as log lines (OpenVPN prints its statistics the same way).</summary>
    private void LogStatistics()
    {
        DataChannelPipe? pipe = _connection?.Pipe;
        _log.Info("OpenVPN STATISTICS");
        _log.Info($"TUN/TAP read bytes,{(_doneTunRead + (pipe?.TunReadBytes ?? 0)).ToString(CultureInfo.InvariantCulture)}");
        _log.Info($"TUN/TAP write bytes,{(_doneTunWrite + (pipe?.TunWriteBytes ?? 0)).ToString(CultureInfo.InvariantCulture)}");
        _log.Info($"TCP/UDP read bytes,{(_doneLinkRead + (pipe?.LinkReadBytes ?? 0)).ToString(CultureInfo.InvariantCulture)}");
        _log.Info($"TCP/UDP write bytes,{(_doneLinkWrite + (pipe?.LinkWriteBytes ?? 0)).ToString(CultureInfo.InvariantCulture)}");
        _log.Info("END");
        // SharpVPN's own line after OpenVPN's block: is the TUN fast path in use.
        TunWriteBatch? batch = _connection?.TunBatch;
        _log.Info(TunOffloadReport.Describe(_tun, batch?.SuperSegments ?? 0, batch?.Written ?? 0));
    }

    /// <summary>
    /// Receive thread: adds a decrypted IP packet to the thread's TUN write batch (TCP segments of one flow are
    /// merged into a super-segment when the TUN has offload); dropped while no TUN is open.
    /// </summary>
    internal void WriteToTun(TunWriteBatch batch, ReadOnlySpan<byte> packet)
    {
        if (_tun is { } tun)
        {
            _tunWriteDrops += batch.Add(tun, packet);
        }
        else
        {
            _tunWriteDrops++;
        }
    }

    /// <summary>Receive thread, end of a batch: writes what <paramref name="batch"/> holds.</summary>
    internal void FlushTun(TunWriteBatch batch)
    {
        if (batch.Pending > 0)
        {
            _tunWriteDrops += batch.Flush(_tun);
        }
    }

    private void OnTunFault(Exception ex)
    {
        _tunFault = ex;
        Wake();
    }

    private void ThrowIfTunFailed()
    {
        if (_tunFault is { } fault)
        {
            throw new IOException($"Reading the TUN device failed: {fault.Message}", fault);
        }
    }

    /// <summary>Removes the tunnel's addresses and routes, closes the device, then runs down (for <paramref name="signal"/>).</summary>
    private void CloseTun(string signal)
    {
        if (_network is not null)
        {
            RunRoutePreDownScript(signal);
            _network.Dispose();
            _network = null;
        }

        if (_tun is { } tun)
        {
            _log.Write(LogLevel.Details, $"Closing TUN/TAP interface {tun.Name}");
            _tun = null;
            if (_upDown is { DownBeforeClose: true })
            {
                RunDownScript(signal); // down-pre
            }

            tun.Dispose();
            _tunLoop?.Join(TimeSpan.FromSeconds(5));
            _tunLoop = null;
            RunDownScript(signal);
        }
    }

    public void Dispose()
    {
        CloseTun(_shutdownSignal ?? "SIGTERM");
        _factory.ReleasePreparedTls();
        _wake.Dispose();
        foreach (PosixSignalRegistration s in _signals)
        {
            s.Dispose();
        }
    }

    private static string Elapsed(long sinceMs) =>
        ((MonotonicClock.NowMs - sinceMs) / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
}
