using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpVpn.Config;
using SharpVpn.Platform;
using SharpVpn.Platform.Firewall;
using SharpVpn.Platform.Network;
using SharpVpn.Platform.Systemd;
using SharpVpn.Platform.Transport;
using SharpVpn.Platform.Tun;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Logging;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// <c>sharpvpn server</c>: an OpenVPN 2.6-compatible multi-client server from a standard server.conf.
/// <code>
///  control loop (the Run thread)   gate-approved new clients -> sessions (TLS, key method 2, auth, pool, push),
///                                  timers, keepalive, renegotiation, float, kills, CRL reload, status, shutdown
///  ServerUdpReceiveLoop (thread)   socket -> data: decrypt -> TUN / other client; control: gate or control loop
///  ServerTcpConnection (thread/conn) same for proto tcp-server
///  TunReadLoop (thread)            TUN -> client by destination -> encrypt -> socket
///  ManagementInterface (thread)    OpenVPN management commands; state changes go through the control loop
/// </code>
/// Shared state by concern: <see cref="Routes"/> (lookup tables, written by the control loop only), each client's
/// volatile flags (set by data threads, acted on by the control loop), the control queue (bounded).
/// </summary>
public sealed partial class ServerEngine : IDisposable
{
    private const int MaxQueuedControl = 4096;

    private readonly ServerConfig _config;
    private readonly OpenVpnLog _log;
    private readonly ServerEngineOptions _options;
    private readonly ServerSessionFactory _factory;
    private readonly PacketBufferPool _pool;
    private readonly AutoResetEvent _wake = new(false);
    private readonly ConcurrentQueue<ControlWork> _controlQueue = new();
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly long _startedMs = MonotonicClock.NowMs;
    private int _controlQueued;

    private volatile ITunDevice? _tun;
    private TunReadLoop? _tunLoop;
    private NetworkConfigurator? _network;
    private NatFirewall? _firewall;
    private UdpTransport? _udp;
    private TcpListenerTransport? _tcpListener;
    private Thread? _acceptThread;
    private ServerUdpReceiveLoop? _udpLoop;
    private HandshakeGate? _gate;
    private ManagementInterface? _management;
    private volatile string? _shutdownSignal;
    private volatile bool _reloadRequested;
    private volatile bool _statisticsRequested;
    private long _tunSuperSegmentsWritten;
    private long _tunPacketsWritten;
    private volatile Exception? _fatal;
    private int _tcpConnections;

    // Counters read by the management interface, status and tests.
    private long _dropped;
    private long _badSource;
    private long _noRoute;
    private long _tunWriteDrops;
    private long _packetFaults;
    private long _queueDrops;

    public ServerEngine(ServerConfig config, OpenVpnLog log, ServerEngineOptions? options = null)
    {
        _config = config;
        _log = log;
        _options = options ?? new ServerEngineOptions();
        if (config.Pool is null && config.ClientConfigDir is null)
        {
            throw new InvalidOperationException($"{config.SourceName}: no address pool ('server NET MASK' or 'ifconfig-pool') and no client-config-dir: clients would get no tunnel address.");
        }

        _factory = new ServerSessionFactory(config);
        _pool = new PacketBufferPool(DataPathLayout.BufferBytesFor(config.Tun.TunMtu), maxPooled: 512);
        Routes = new ServerRoutes(config.MaxClients);
        ClientToClient = config.ClientToClient;
        if (config.Tun.BlockIpv6)
        {
            // The errors come from the server's own tun address (fe80::7, as openvpn, without server-ipv6).
            BlockIpv6From = config.Ipv6 is { } v6 ? Ipv6.ToUInt128(v6.ServerAddress) : Icmpv6Unreachable.FallbackSource;
        }
        _allocator = config.Pool is { } pool
            ? new AddressAllocator(pool, config.IfconfigPoolPersistFile, config.IfconfigPoolPersistSeconds, config.DuplicateCn, config.Ipv6)
            : null;
        _connectLimiter = config.ConnectFrequency is { } f ? new ConnectRateLimiter(f.Connections, f.Seconds) : null;
        UserPassScript? script = null;
        if (config.AuthUserPassVerify is not null || config.ClientConnect is not null || config.ClientDisconnect is not null || config.LearnAddress is not null
            || config.Tls.TlsVerify is not null || config.TlsCryptV2Verify is not null)
        {
            var runner = new ScriptRunner(config.TmpDir, config.Process.SetEnv, ScriptEnvironment,
                TimeSpan.FromSeconds(config.Renegotiation.HandWindowSeconds));
            script = config.AuthUserPassVerify is { } verify ? new UserPassScript(verify, runner) : null;
            _connectScripts = config.ClientConnect is not null || config.ClientDisconnect is not null
                ? new ClientConnectScripts(config.ClientConnect, config.ClientDisconnect, runner)
                : null;
            _learnAddress = config.LearnAddress is { } learn ? new LearnAddressScript(learn, runner) : null;
            _tlsCryptV2Verify = config.TlsCryptV2Verify is { } v2Verify ? new TlsCryptV2VerifyScript(v2Verify, runner) : null;
            _tlsVerify = config.Tls.TlsVerify is { } tlsVerify ? new TlsVerifyScript(tlsVerify, runner, TlsOptionsFactory.PeerNameFields(config.Tls), config.Tls.ExportCertDirectory) : null;
        }

        _userPassCheck = config.ChecksUserPass ? new UserPassCheck(config.PamService is { } pam ? new PamAuthenticator(pam) : null, script) : null;
        _upDown = config.Process.HasTunScripts ? new UpDownScripts(config.Process, LogInfo) : null;
        _authTokens = config.AuthGenToken is { } tokens && _userPassCheck is not null ? AuthTokenIssuer.Create(tokens) : null;
    }

    /// <summary>tls-crypt-v2-verify, or null when not configured.</summary>
    private readonly TlsCryptV2VerifyScript? _tlsCryptV2Verify;

    /// <summary>tls-verify, or null when not configured.</summary>
    private readonly TlsVerifyScript? _tlsVerify;

    /// <summary>tls-verify's check for a client connecting from <paramref name="address"/> (runs in its TLS handshake, on the control loop).</summary>
    private Func<IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2>, string?>? TlsVerifyFor(ClientAddress address) =>
        _tlsVerify is { } verify
            ? chain => verify.Check(chain, address.Endpoint.ToIPEndPoint(), new Dictionary<string, string>(ScriptEnvironment(), StringComparer.Ordinal)
            {
                ["script_context"] = "init", // the server's environment has it from its start; a client's has none at this point
            }, line => LogInfo($"{address} {line}"))
            : null;

    /// <summary>learn-address, or null when not configured.</summary>
    private readonly LearnAddressScript? _learnAddress;

    /// <summary>up / down / route-up, or null when none is configured.</summary>
    private readonly UpDownScripts? _upDown;

    /// <summary>What up/down are told about the tun device (its address and netmask, or point-to-point peer).</summary>
    private ScriptTun ScriptTunOf(string device) => new(device, _config.Tun.TunMtu,
        _config.Tun.Ifconfig?.Local.ToString() ?? string.Empty, _config.Tun.Ifconfig?.RemoteOrNetmask.ToString() ?? string.Empty);

    /// <summary>auth-gen-token (only with auth-user-pass-verify), or null.</summary>
    private readonly AuthTokenIssuer? _authTokens;

    /// <summary>auth-user-pass-verify, or null when not configured.</summary>
    private readonly UserPassCheck? _userPassCheck;

    /// <summary>client-connect / client-disconnect, or null when neither is configured.</summary>
    private readonly ClientConnectScripts? _connectScripts;

    /// <summary>The variables OpenVPN gives every script about the server itself.</summary>
    private IReadOnlyDictionary<string, string> ScriptEnvironment() => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["dev"] = _tun?.Name ?? string.Empty,
        ["dev_type"] = "tun",
        ["config"] = _config.SourceName,
        ["daemon"] = "0",
        ["verb"] = _config.Logging.Verb.ToString(CultureInfo.InvariantCulture),
        ["proto_1"] = _config.Protocol == TransportProtocol.Tcp ? "tcp-server" : "udp",
        ["local_port_1"] = _config.Port.ToString(CultureInfo.InvariantCulture),
        ["remote_port_1"] = _config.Port.ToString(CultureInfo.InvariantCulture),
        ["tun_mtu"] = _config.Tun.TunMtu.ToString(CultureInfo.InvariantCulture),
        ["ifconfig_local"] = _config.Tun.Ifconfig?.Local.ToString() ?? string.Empty,
        ["ifconfig_netmask"] = _config.Tun.Ifconfig?.RemoteOrNetmask.ToString() ?? string.Empty,
        ["redirect_gateway"] = "0",
        ["daemon_log_redirect"] = _config.Logging.LogFile is null ? "0" : "1",
        ["daemon_pid"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        ["daemon_start_time"] = _startedUnixSeconds.ToString(CultureInfo.InvariantCulture),
    };

    private readonly long _startedUnixSeconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    internal ServerRoutes Routes { get; }

    internal bool ClientToClient { get; }

    /// <summary>block-ipv6: clients' IPv6 is answered with ICMPv6 "no route" from this address instead of routed; null: off.</summary>
    internal UInt128? BlockIpv6From { get; }

    internal int TunMtu => _config.Tun.TunMtu;

    /// <summary>Wall-clock seconds for the tls-auth/tls-crypt time field.</summary>
    internal uint NetTime => (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    internal int HandWindowMs => _config.Renegotiation.HandWindowSeconds * 1000;

    /// <summary>port-share: where non-OpenVPN TCP connections go; null = closed like any failed first packet.</summary>
    internal PortShareSettings? PortShare => _config.PortShare;

    /// <summary>Port-share problems, from the connection threads.</summary>
    internal void LogPortShare(string message) => LogInfo(message);

    /// <summary>Each relayed connection (verb 4 and up: a shared HTTPS port would fill the log at verb 3).</summary>
    internal void LogPortShareRelay(string message) => LogWrite(LogLevel.Details, message);

    /// <summary>The port the server listens on (after binding; useful with port 0 in tests).</summary>
    public int BoundPort { get; private set; }

    /// <summary>Milliseconds from engine creation until "Initialization Sequence Completed"; null before.</summary>
    public long? StartupMilliseconds { get; private set; }

    /// <summary>Asks the server to shut down (exit notify to clients, cleanup). Thread-safe.</summary>
    public void RequestShutdown(string signal = "SIGTERM")
    {
        _shutdownSignal ??= signal;
        Wake();
    }

    /// <summary>Asks for a reload of the CRL and ccd without dropping clients (SIGHUP). Thread-safe.</summary>
    public void RequestReload()
    {
        _reloadRequested = true;
        Wake();
    }

    internal void Wake() => _wake.Set();

    internal void EnqueueControl(ControlWork work)
    {
        if (Interlocked.Increment(ref _controlQueued) > MaxQueuedControl)
        {
            // Bounded (security.md #4): under a flood of valid-looking control packets the newest are dropped.
            Interlocked.Decrement(ref _controlQueued);
            Interlocked.Increment(ref _queueDrops);
            return;
        }

        _controlQueue.Enqueue(work);
        Wake();
    }

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    internal void CountBadSource() => Interlocked.Increment(ref _badSource);

    internal void CountNoRoute() => Interlocked.Increment(ref _noRoute);

    internal void OnPacketFault(Exception ex)
    {
        if (Interlocked.Increment(ref _packetFaults) <= 10)
        {
            LogWrite(LogLevel.Info, $"Dropped a packet after an unexpected error: {ex.GetType().Name}: {ex.Message}");
        }
    }

    internal void OnLoopFault(string loop, Exception ex)
    {
        _fatal ??= new IOException($"The {loop} loop failed: {ex.Message}", ex);
        Wake();
    }

    internal void TcpConnectionEnded() => Interlocked.Decrement(ref _tcpConnections);

    /// <summary>Port-share relays at once (two threads each); more are closed at once.</summary>
    internal const int MaxPortShareRelays = 512;

    private int _portShareRelays;

    /// <summary>
    /// A connection handed to port-share leaves the VPN's own connection bound for the relays' (OpenVPN relays in a
    /// separate process too), so a crowd of web clients cannot keep VPN clients out. False: too many relays already.
    /// </summary>
    internal bool TryStartRelay()
    {
        if (Interlocked.Increment(ref _portShareRelays) > MaxPortShareRelays)
        {
            Interlocked.Decrement(ref _portShareRelays);
            return false;
        }

        Interlocked.Decrement(ref _tcpConnections);
        return true;
    }

    internal void RelayEnded() => Interlocked.Decrement(ref _portShareRelays);

    /// <summary>The TUN once opened (receive threads write through their own <see cref="TunWriteBatch"/>).</summary>
    internal ITunDevice? Tun => _tun;

    /// <summary>Receive threads: packets their TUN write batch could not hand over.</summary>
    internal void CountTunWriteDrops(int dropped) => Interlocked.Add(ref _tunWriteDrops, dropped);

    /// <summary>Receive threads, once per flush: merged super-segments and packets their batch wrote since the last.</summary>
    internal void CountTunWrites(long superSegments, long packets)
    {
        if (superSegments != 0)
        {
            Interlocked.Add(ref _tunSuperSegmentsWritten, superSegments);
        }
        Interlocked.Add(ref _tunPacketsWritten, packets);
    }

    /// <summary>Asks the control loop to log the status and statistics (OpenVPN's SIGUSR2). Thread-safe.</summary>
    public void RequestStatistics()
    {
        _statisticsRequested = true;
        Wake();
    }

    /// <summary>
    /// Runs the server until SIGINT/SIGTERM (or <paramref name="cancellationToken"/>): returns 0 after a clean shutdown.
    /// Everything it set up (TUN, NAT/firewall table, pid file) is removed either way.
    /// </summary>
    public int Run(CancellationToken cancellationToken = default)
    {
        using CancellationTokenRegistration registration = cancellationToken.Register(() => RequestShutdown("SIGTERM"));
        if (_options.HandleSignals)
        {
            RegisterSignals();
        }

        LogStartup();
        PidFile.Write(_config.Logging.WritePidFile);
        try
        {
            OpenTun();
            OpenTransport();
            ApplyFirewall();
            OpenStatusFile();
            DropPrivileges();
            StartLoops();
            StartupMilliseconds = MonotonicClock.NowMs - _startedMs;
            LogInfo("Initialization Sequence Completed");
            _management?.OnStateChange("CONNECTED", "SUCCESS");
            SystemdNotify.Ready();
            ControlLoop();
            LogInfo($"{_shutdownSignal ?? "SIGTERM"}[hard,] received, process exiting");
            return 0;
        }
        finally
        {
            Shutdown();
        }
    }

    private void RegisterSignals()
    {
        SignalHandlers.Add(_signals, PosixSignal.SIGINT, () => RequestShutdown("SIGINT"));
        SignalHandlers.Add(_signals, PosixSignal.SIGTERM, () => RequestShutdown("SIGTERM"));
        SignalHandlers.Add(_signals, PosixSignal.SIGHUP, RequestReload);
        if (OperatingSystem.IsLinux())
        {
            SignalHandlers.Add(_signals, SignalHandlers.SigUsr2, RequestStatistics);
        }
    }

    private void LogStartup()
    {
        LogInfo($"SharpVPN {BuildInfo.ProductVersion} server (OpenVPN 2.6 compatible) {BuildInfo.Platform}");
        LogInfo($"Configuration: {_config.SourceName}");
        foreach (string warning in _config.Warnings)
        {
            LogInfo($"WARNING: {warning}");
        }

        if (_config.Tls.CaPem is null && _config.Tls.PeerFingerprints is not null)
        {
            // OpenVPN's words (options.c), so the PKI-less mode shows in the log as with openvpn.
            LogInfo("Using certificate fingerprint to verify peer (no CA option set).");
        }

        if (_config.Tls.DhPem is not null)
        {
            LogWrite(LogLevel.Details, "NOTE: the 'dh' parameters are accepted; TLS uses ECDHE key exchange (as OpenVPN with TLS 1.3)");
        }

        if (_log.IsEnabled(LogLevel.Options))
        {
            LogWrite(LogLevel.Options, $"OCC options string: {_factory.OptionsString}");
        }
    }

    private void OpenTun()
    {
        TunDevice tun = TunDevice.OpenPreferOffload(_config.Tun.Device, out string? offloadError);
        _tun = tun;
        LogInfo($"TUN/TAP device {tun.Name} opened");
        if (offloadError is not null)
        {
            LogWrite(LogLevel.Details, $"TUN offload unavailable, packets are written one by one: {offloadError}");
        }
        _network = new NetworkConfigurator(tun.Name, log: line => LogWrite(LogLevel.Details, line));
        _network.SetMtu(_config.Tun.TunMtu);
        _network.Up();
        IfconfigSettings ifconfig = _config.Tun.Ifconfig
            ?? throw new InvalidOperationException($"{_config.SourceName}: no tunnel address ('server' or 'ifconfig').");
        Topology topology = _config.Tun.Topology;
        if (topology == Topology.Subnet)
        {
            int prefix = Ipv4.PrefixLength(Ipv4.ToUInt32(ifconfig.RemoteOrNetmask));
            _network.SetAddress(ifconfig.Local, prefix);
            LogWrite(LogLevel.Details, $"net_addr_v4_add: {ifconfig.Local}/{prefix.ToString(CultureInfo.InvariantCulture)} dev {tun.Name}");
        }
        else
        {
            _network.SetPointToPointAddress(ifconfig.Local, ifconfig.RemoteOrNetmask);
            LogWrite(LogLevel.Details, $"net_addr_ptp_v4_add: {ifconfig.Local} peer {ifconfig.RemoteOrNetmask} dev {tun.Name}");
        }

        if (_config.Ipv6 is { } v6)
        {
            // The prefix on the device routes the whole server-ipv6 network to it (no DAD on a tun device).
            _network.SetAddress(v6.ServerAddress, v6.Network.PrefixLength);
            LogWrite(LogLevel.Details, $"net_addr_v6_add: {v6.ServerAddress}/{v6.Network.PrefixLength.ToString(CultureInfo.InvariantCulture)} dev {tun.Name}");
            foreach (RouteIpv6 route in _config.Tun.RoutesIpv6)
            {
                // E.g. the network behind a client (its ccd iroute-ipv6): to the tun device, where the server routes it.
                _network.AddRoute(route.Network, null, route.Metric ?? _config.Tun.RouteMetric);
                LogWrite(LogLevel.Details, $"net_route_v6_add: {route.Network} dev {tun.Name}");
            }
        }
        else if (_config.Tun.RoutesIpv6.Count > 0)
        {
            LogInfo($"WARNING: {_config.Tun.RoutesIpv6.Count.ToString(CultureInfo.InvariantCulture)} 'route-ipv6' line(s) not installed: the server has no 'server-ipv6', so its tun device carries no IPv6");
        }

        // up runs once the device has its addresses, before the routes (init.c: ROUTE_AFTER_TUN); failing, it stops the server.
        if (_upDown is { HasUp: true } scripts)
        {
            var variables = new Dictionary<string, string>(ScriptEnvironment(), StringComparer.Ordinal);
            variables.Remove("redirect_gateway"); // OpenVPN sets it only later
            scripts.RunUp(ScriptTunOf(tun.Name), variables);
        }

        foreach (Config.Route route in _config.Tun.Routes)
        {
            IPAddress? gateway = route.Gateway switch
            {
                null or "vpn_gateway" => topology == Topology.Subnet ? _config.Tun.RouteGateway : ifconfig.RemoteOrNetmask,
                _ when IPAddress.TryParse(route.Gateway, out IPAddress? g) => g,
                _ => null,
            };
            var network = new IPNetwork(route.Network, route.PrefixLength);
            if (topology == Topology.Subnet && gateway is not null && network.Contains(gateway) && route.PrefixLength == Ipv4.PrefixLength(Ipv4.ToUInt32(ifconfig.RemoteOrNetmask)))
            {
                continue; // the tunnel's own subnet: the address above already routes it
            }

            _network.AddRoute(network, gateway, route.Metric ?? _config.Tun.RouteMetric);
            LogWrite(LogLevel.Details, $"net_route_v4_add: {network} via {gateway} dev {tun.Name}");
        }

        _upDown?.RunRouteUp(ScriptTunOf(tun.Name), ScriptEnvironment(), redirectGateway: false);
        _tunLoop = new TunReadLoop(tun, _pool, new ServerTunHandler(this, _pool.BufferBytes), ex => OnLoopFault("TUN read", ex));
    }

    private void OpenTransport()
    {
        IPAddress bind = ResolveBindAddress();
        var endpoint = new IPEndPoint(bind, _config.Port);
        int hand = _config.Renegotiation.HandWindowSeconds;
        var replyLimiter = new ConnectRateLimiter(100, 10); // OpenVPN's connect-freq-initial default
        _gate = new HandshakeGate(_factory.StatelessWrap, _factory.TlsCryptV2ServerKey, hand, replyLimiter);
        if (_config.Protocol == TransportProtocol.Tcp)
        {
            _tcpListener = new TcpListenerTransport(endpoint, link: LinkOptions());
            LogLinkWarnings(_tcpListener.LinkWarnings);
            BoundPort = _tcpListener.LocalEndPoint.Port;
            LogInfo($"Listening for incoming TCP connection on {Format(_tcpListener.LocalEndPoint)}");
        }
        else
        {
            var options = new UdpTransportOptions
            {
                ReceiveBufferSize = _config.SocketReceiveBuffer ?? 4 * 1024 * 1024,
                SendBufferSize = _config.SocketSendBuffer ?? 4 * 1024 * 1024,
                DualMode = _config.Family != AddressFamilyPreference.IPv6,
                UseGro = false,
                Link = LinkOptions(),
            };
            _udp = new UdpTransport(endpoint, options);
            LogLinkWarnings(_udp.LinkWarnings);
            BoundPort = _udp.LocalEndPoint.Port;
            LogInfo($"UDPv{(bind.AddressFamily == AddressFamily.InterNetworkV6 ? "6" : "4")} link local (bound): {Format(_udp.LocalEndPoint)}");
        }

        LogInfo($"MULTI: multi_init called, r=256 v=256");
        if (_config.Pool is { } pool)
        {
            LogInfo($"IFCONFIG POOL IPv4: base={pool.PoolStart} size={pool.Size.ToString(CultureInfo.InvariantCulture)}");
            if (_config.Ipv6 is { } v6)
            {
                LogInfo($"IFCONFIG POOL IPv6: (IPv4) size={pool.Size.ToString(CultureInfo.InvariantCulture)}, size_ipv6={v6.PoolSize.ToString(CultureInfo.InvariantCulture)}, netbits={v6.Network.PrefixLength.ToString(CultureInfo.InvariantCulture)}, base_ipv6={v6.PoolBase}");
            }
        }
    }

    private LinkSocketOptions? LinkOptions()
    {
        if (_config.BindDevice is { } dev)
        {
            LogInfo($"Using bind-dev {dev}");
        }

        return LinkSocketOptions.For(_config.SocketMark, _config.BindDevice);
    }

    private void LogLinkWarnings(IReadOnlyList<string> warnings)
    {
        foreach (string warning in warnings)
        {
            LogInfo(warning);
        }
    }

    private IPAddress ResolveBindAddress()
    {
        if (_config.LocalAddress is { } local)
        {
            if (IPAddress.TryParse(local, out IPAddress? parsed))
            {
                return parsed;
            }

            IPAddress[] found = Dns.GetHostAddresses(local);
            if (found.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            return found[0];
        }

        return _config.Family switch
        {
            AddressFamilyPreference.IPv4 => IPAddress.Any,
            _ when Socket.OSSupportsIPv6 => IPAddress.IPv6Any,
            _ => IPAddress.Any,
        };
    }

    private void ApplyFirewall()
    {
        if (_config.NatMasquerade is null && _config.Firewall != FirewallMode.Open)
        {
            return;
        }

        AddressPool? pool = _config.Pool;
        IPNetwork network = _config.ServerNetwork is { } net && _config.ServerNetmask is { } mask
            ? new IPNetwork(net, Ipv4.PrefixLength(Ipv4.ToUInt32(mask)))
            : pool is not null ? new IPNetwork(pool.PoolStart, Ipv4.PrefixLength(Ipv4.ToUInt32(pool.Netmask)))
            : throw new InvalidOperationException($"{_config.SourceName}: nat-masquerade needs 'server NET MASK' to know the VPN network.");
        _firewall = new NatFirewall(new NatFirewallOptions
        {
            Pool = new IPNetwork(Ipv4.ToAddress(Ipv4.ToUInt32(network.BaseAddress) & Ipv4.MaskFromPrefix(network.PrefixLength)), network.PrefixLength),
            Masquerade = _config.NatMasquerade is not null,
            OutInterfaces = _config.NatMasquerade,
            Port = _config.Firewall == FirewallMode.Open ? BoundPort : null,
            Protocol = _config.Protocol == TransportProtocol.Tcp ? "tcp" : "udp",
            TunInterface = _tun?.Name,
        }, log: line => LogInfo(line));
        _firewall.Apply();
        LogInfo($"Network setup: forwarding on, table '{_firewall.TableName}'{(_config.NatMasquerade is null ? string.Empty : $", masquerade {network} out of {string.Join(", ", _firewall.OutInterfaces)}")}{(_config.Firewall == FirewallMode.Open ? $", {(_config.Protocol == TransportProtocol.Tcp ? "tcp" : "udp")} port {BoundPort.ToString(CultureInfo.InvariantCulture)} open" : string.Empty)}");
    }

    private void DropPrivileges()
    {
        ProcessSettings p = _config.Process;
        if (p.User is null && p.Group is null)
        {
            return;
        }

        // Keep CAP_NET_ADMIN on this (the control) thread so shutdown can remove routes and the NAT table.
        Privileges.Drop(p.User, p.Group, keepNetAdmin: true);
        LogInfo($"UID set to {p.User ?? "(unchanged)"}, GID set to {p.Group ?? "(user's group)"}");
    }

    private void StartLoops()
    {
        _tunLoop!.Start();
        if (_udp is not null)
        {
            _udpLoop = new ServerUdpReceiveLoop(this, _udp, _pool, _gate!);
            _udpLoop.Start();
        }

        if (_tcpListener is not null)
        {
            _acceptThread = new Thread(AcceptLoop) { IsBackground = true, Name = "ServerTcpAcceptLoop" };
            _acceptThread.Start();
        }

        if (_config.Logging.Management is { } management)
        {
            _management = new ManagementInterface(this, management, _log);
            _management.Start();
        }
    }

    private void AcceptLoop()
    {
        try
        {
            while (true)
            {
                TcpTransport tcp = _tcpListener!.Accept();
                if (Interlocked.Increment(ref _tcpConnections) > Math.Max(16, _config.MaxClients * 2))
                {
                    Interlocked.Decrement(ref _tcpConnections);
                    tcp.Dispose(); // bounded: more connections than clients can be served
                    continue;
                }

                if (_log.IsEnabled(LogLevel.Details))
                {
                    LogWrite(LogLevel.Details, $"TCP connection established with {Format(tcp.RemoteEndPoint)}");
                }

                new ServerTcpConnection(this, tcp, _gate!, _pool).Start();
            }
        }
        catch (ObjectDisposedException)
        {
            // The listener was closed by shutdown.
        }
        catch (SocketException) when (_shutdownSignal is not null)
        {
            // Accept interrupted by shutdown.
        }
        catch (SocketException ex)
        {
            OnLoopFault("TCP accept", ex);
        }
    }

    private void Shutdown()
    {
        try
        {
            NotifyClientsOfShutdown();
        }
        finally
        {
            _management?.Dispose();
            _udp?.Dispose();
            _tcpListener?.Dispose();
            _udpLoop?.Join(TimeSpan.FromSeconds(5));
            CloseAllClients();
            if (_connectScripts?.WaitForDisconnects(TimeSpan.FromSeconds(10)) == false)
            {
                LogInfo("client-disconnect scripts still running after 10 s; exiting without them");
            }

            if (_learnAddress?.WaitIdle(TimeSpan.FromSeconds(10)) == false)
            {
                LogInfo("learn-address scripts still running after 10 s; exiting without them");
            }

            SavePool();
            WriteStatus(force: true);
            _statusStream?.Dispose();
            if (_firewall is not null)
            {
                try
                {
                    _firewall.Dispose();
                }
                catch (Exception ex) when (ex is InvalidOperationException or IOException)
                {
                    LogInfo($"Removing the network setup failed: {ex.Message}");
                }
            }

            string? device = _tun?.Name;
            IReadOnlyDictionary<string, string> downVariables = ScriptEnvironment();
            string signal = (_shutdownSignal ?? "SIGTERM").ToLowerInvariant();
            if (device is not null)
            {
                _upDown?.RunRoutePreDown(ScriptTunOf(device), downVariables, signal);
                if (_upDown is { HasDown: true, DownBeforeClose: true } early)
                {
                    early.RunDown(ScriptTunOf(device), downVariables, signal);
                }
            }

            CloseTun();
            if (_upDown is { HasDown: true, DownBeforeClose: false } scripts && device is not null)
            {
                scripts.RunDown(ScriptTunOf(device), downVariables, signal);
            }

            PidFile.Delete(_config.Logging.WritePidFile, LogInfo);
            foreach (PosixSignalRegistration s in _signals)
            {
                s.Dispose();
            }

            _signals.Clear();
        }
    }

    private void CloseTun()
    {
        _network?.Dispose();
        _network = null;
        if (_tun is { } tun)
        {
            LogWrite(LogLevel.Details, $"Closing TUN/TAP interface {tun.Name}");
            _tun = null;
            tun.Dispose();
            _tunLoop?.Join(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        CloseTun();
        _udp?.Dispose();
        _tcpListener?.Dispose();
        _wake.Dispose();
        foreach (PosixSignalRegistration s in _signals)
        {
            s.Dispose();
        }
    }

    internal static string Format(IPEndPoint endpoint) => PeerEndpoint.From(endpoint).ToString();
}
