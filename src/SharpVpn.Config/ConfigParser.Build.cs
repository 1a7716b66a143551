using System.Globalization;

namespace SharpVpn.Config;

/// <summary>Turns the parse state into the typed configs: defaults, cross-option checks and the 'server'/'keepalive' expansion.</summary>
public static partial class ConfigParser
{
    private static ClientConfig BuildClient(ParseState s)
    {
        if (s.ClientLine is null && !(s.PullOption && s.TlsClient))
        {
            throw new ConfigException(s.SourceName, 0, "client", "this is not a client config (add 'client', or 'pull' and 'tls-client')");
        }

        if (s.ProtoIsServerRole == true)
        {
            throw s.ProtoLine!.Error($"'{s.ProtoLine!.Arg(0)}' is a server protocol; a client uses tcp or tcp-client");
        }

        if (s.Remotes.Count == 0 && s.Connections.Count == 0)
        {
            throw new ConfigException(s.SourceName, 0, "remote", "no server to connect to (add 'remote HOST [PORT]')");
        }

        int defaultPort = s.RemotePort ?? s.Port ?? 1194;
        TransportProtocol defaultProtocol = s.Protocol ?? TransportProtocol.Udp;
        List<RemoteEndpoint> remotes;
        (HttpProxySettings? Http, SocksProxySettings? Socks) proxies = (null, null);
        if (s.Connections.Count > 0)
        {
            // As OpenVPN (options_postprocess_mutate): with <connection> blocks the plain remote list is not used.
            foreach (var r in s.Remotes)
            {
                s.Warn(r.Line, "is not used: this config has <connection> blocks, and only their remotes are tried (as OpenVPN)");
            }

            remotes = [.. s.Connections.Select(c => c.Remote)];
            ConnectionBlocks.ApplyShared(s);
        }
        else
        {
            remotes = [.. s.Remotes.Select(r => new RemoteEndpoint(r.Host, r.Port ?? defaultPort, r.Protocol ?? defaultProtocol,
                r.Protocol is null ? s.Family : r.Family))];
            foreach (var r in s.Remotes)
            {
                proxies = BuildProxies(s, r.Protocol ?? defaultProtocol, r.Protocol is null ? null : r.Line);
            }
        }

        RequireDevice(s);
        RequireCredentials(s, requireCertificate: s.AuthUserPass is null);
        DnsSettings dns = s.Dns.Build(out string? dnsError);
        if (dnsError is not null)
        {
            throw new ConfigException(s.SourceName, 0, "dns", dnsError);
        }

        if (s.Keepalive is { } ka && (s.Ping is not null || s.PingRestart is not null || s.PingExit is not null))
        {
            throw ka.Line.Error("conflicts with ping, ping-restart and ping-exit; use one or the other");
        }

        var keepalive = new KeepaliveSettings
        {
            PingSeconds = s.Keepalive?.Interval ?? s.Ping ?? 0,
            PingRestartSeconds = s.Keepalive?.Timeout ?? s.PingRestart ?? 0,
            PingExitSeconds = s.PingExit ?? 0,
            InactiveSeconds = s.InactiveSeconds,
            InactiveMinimumBytes = s.InactiveMinimumBytes,
            SessionTimeoutSeconds = s.SessionTimeoutSeconds,
            KeepaliveInterval = s.Keepalive?.Interval,
            KeepaliveTimeout = s.Keepalive?.Timeout,
            PingTimerRemote = s.PingTimerRemote,
        };

        return new ClientConfig
        {
            SourceName = s.SourceName,
            BaseDirectory = s.BaseDirectory,
            Remotes = remotes,
            RemoteRandom = s.RemoteRandom,
            Nobind = s.Nobind,
            LocalAddress = s.Local,
            LocalPort = ClientBindPort(s),
            Float = s.Float,
            ResolvRetrySeconds = s.ResolvRetrySeconds,
            ConnectRetrySeconds = s.ConnectRetrySeconds,
            ConnectRetryMaxSeconds = s.ConnectRetryMaxSeconds,
            ConnectRetryMax = s.ConnectRetryAttempts,
            ServerPollTimeoutSeconds = s.ServerPollTimeoutSeconds,
            HttpProxy = proxies.Http,
            SocksProxy = proxies.Socks,
            Tls = BuildTls(s),
            DataChannel = BuildDataChannel(s),
            Renegotiation = BuildRenegotiation(s),
            Keepalive = keepalive,
            Logging = BuildLogging(s),
            Process = BuildProcess(s),
            Tun = BuildTun(s, ifconfig: s.Ifconfig is { } ic ? new IfconfigSettings(Ipv4.ToAddress(ic.Local), Ipv4.ToAddress(ic.RemoteOrNetmask)) : null, extraRoutes: [], routeGateway: s.RouteGateway),
            Pull = true,
            RouteNoPull = s.RouteNoPull,
            PullFilters = s.PullFilters,
            AuthUserPass = s.AuthUserPass,
            AuthNoCache = s.AuthNoCache,
            Dns = dns,
            StaticChallenge = s.StaticChallenge,
            PushPeerInfo = s.PushPeerInfo,
            AuthRetry = s.AuthRetry,
            ExplicitExitNotify = s.ExplicitExitNotify,
            SocketSendBuffer = s.SocketSendBuffer,
            SocketReceiveBuffer = s.SocketReceiveBuffer,
            SocketMark = s.SocketMark,
            BindDevice = s.BindDevice,
            Warnings = s.Warnings,
        };
    }

    /// <summary>
    /// options.c <c>options_postprocess_mutate_ce</c>: a pulling client binds a local port only when
    /// lport (non-zero), bind or local says so, and never with nobind.
    /// </summary>
    internal static int? ClientBindPort(ParseState s)
    {
        bool needBind = (s.LocalPort is int lport && lport != 0) || s.BindDefined || s.Local is not null;
        return s.Nobind || !needBind ? null : s.LocalPort ?? s.Port ?? 1194;
    }

    private static ServerConfig BuildServer(ParseState s)
    {
        if (s.ServerIpv6 is { } v6Only && s.Server is null && s.IfconfigPool is null)
        {
            // OpenVPN accepts server-ipv6 alone (IPv6-only tunnels); our pool hands out IPv6 addresses by IPv4 pool index.
            throw v6Only.Line.Error("server-ipv6 needs 'server NET MASK' as well: SharpVPN's server runs dual-stack tunnels, not IPv6-only ones");
        }

        if (s.Server is null && !(s.ModeServer && s.TlsServer))
        {
            throw new ConfigException(s.SourceName, 0, "server", "this is not a server config (add 'server NETWORK NETMASK')");
        }

        if (s.ProtoIsServerRole == false)
        {
            throw s.ProtoLine!.Error($"'{s.ProtoLine!.Arg(0)}' is a client protocol; a server uses tcp or tcp-server");
        }

        RequireDevice(s);
        RequireCredentials(s, requireCertificate: true);
        if (s.DhPem is null && !s.DhNone)
        {
            // OpenVPN 2.6 refuses a TLS server without --dh ("You must define DH file (--dh)").
            throw new ConfigException(s.SourceName, 0, "dh", "is required for a server (a DH parameters file, or 'dh none' for ECDHE only)");
        }

        if (s.VerifyClientCertLine is { } noCert)
        {
            if (s.AuthUserPassVerify is null && s.PamPlugin is null)
            {
                // options.c: "--verify-client-cert none|optional must be used with --management-client-auth, an
                // --auth-user-pass-verify script, or plugin": otherwise anybody with the CA-less tls-crypt key gets in.
                throw noCert.Error("none|optional must be used with an auth-user-pass-verify script or the auth-pam plugin (clients without a certificate are checked by it)");
            }

            s.Warn(noCert, "POTENTIALLY DANGEROUS OPTION --verify-client-cert none|optional may accept clients which do not present a certificate");
        }

        if (s.UsernameAsCommonName is { } asCn && s.AuthUserPassVerify is null && s.PamPlugin is null)
        {
            // options.c: "--username-as-common-name must be used with --management-client-auth, an --auth-user-pass-verify script, or plugin".
            throw asCn.Error("needs 'auth-user-pass-verify' or the auth-pam plugin (the username it checks becomes the client's common name)");
        }

        if (s.CcdExclusive && s.ClientConfigDir is null)
        {
            throw new ConfigException(s.SourceName, 0, "ccd-exclusive", "needs 'client-config-dir DIR'");
        }

        Topology topology = s.Topology ?? Topology.Net30;
        var pushes = new List<string>(s.Pushes);
        var localRoutes = new List<Route>();
        AddressPool? pool = null;
        IfconfigSettings? ifconfig = s.Ifconfig is { } ic ? new IfconfigSettings(Ipv4.ToAddress(ic.Local), Ipv4.ToAddress(ic.RemoteOrNetmask)) : null;
        System.Net.IPAddress? routeGateway = s.RouteGateway;

        if (s.Server is { } server)
        {
            (pool, ifconfig) = ExpandServer(s, server, topology, pushes, localRoutes, ref routeGateway);
        }
        else if (s.IfconfigPool is { } explicitPool)
        {
            if (s.Ifconfig is not { } own)
            {
                throw explicitPool.Line.Error("needs 'ifconfig LOCAL REMOTE|NETMASK' for the server's own address");
            }

            uint mask = explicitPool.Netmask ?? (topology == Topology.Subnet ? own.RemoteOrNetmask : 0xFFFFFFFCu);
            pool = new AddressPool(topology, Ipv4.ToAddress(own.Local), Ipv4.ToAddress(own.RemoteOrNetmask),
                Ipv4.ToAddress(explicitPool.Start), Ipv4.ToAddress(explicitPool.End), Ipv4.ToAddress(mask));
            if (pool.Size < 2)
            {
                throw explicitPool.Line.Error("the pool holds fewer than 2 clients");
            }
        }

        // server-ipv6 (helper.c): the tun's IPv6 address and a pool indexed like the IPv4 one. Nothing is added to
        // the global push list; the runtime pushes each client's "ifconfig-ipv6 ADDR/BITS NET+1" itself.
        ServerIpv6Settings? ipv6 = null;
        if (s.ServerIpv6 is { } v6)
        {
            if (pool is null)
            {
                // helper.c: "--server-ipv6 is incompatible with 'nopool' option".
                throw v6.Line.Error("server-ipv6 needs an IPv4 pool as well ('server NET MASK' without nopool): SharpVPN's server runs dual-stack tunnels, not IPv6-only ones");
            }

            ipv6 = new ServerIpv6Settings(v6.Network);
        }

        // helper_keepalive: server side waits twice as long; the pair is pushed to clients.
        if (s.Keepalive is { } ka && (s.Ping is not null || s.PingRestart is not null || s.PingExit is not null))
        {
            throw ka.Line.Error("conflicts with ping, ping-restart and ping-exit; use one or the other");
        }

        if (s.Keepalive is { } k)
        {
            pushes.Add(string.Create(CultureInfo.InvariantCulture, $"ping {k.Interval}"));
            pushes.Add(string.Create(CultureInfo.InvariantCulture, $"ping-restart {k.Timeout}"));
        }

        var keepalive = new KeepaliveSettings
        {
            PingSeconds = s.Keepalive?.Interval ?? s.Ping ?? 0,
            PingRestartSeconds = s.Keepalive is { } kk ? kk.Timeout * 2 : s.PingRestart ?? 0,
            PingExitSeconds = s.PingExit ?? 0,
            InactiveSeconds = s.InactiveSeconds,
            InactiveMinimumBytes = s.InactiveMinimumBytes,
            SessionTimeoutSeconds = s.SessionTimeoutSeconds,
            KeepaliveInterval = s.Keepalive?.Interval,
            KeepaliveTimeout = s.Keepalive?.Timeout,
            PingTimerRemote = s.PingTimerRemote,
        };

        return new ServerConfig
        {
            SourceName = s.SourceName,
            BaseDirectory = s.BaseDirectory,
            Protocol = s.Protocol ?? TransportProtocol.Udp,
            Family = s.Family,
            Port = s.LocalPort ?? s.Port ?? 1194,
            LocalAddress = s.Local,
            Tls = BuildTls(s),
            DataChannel = BuildDataChannel(s),
            Renegotiation = BuildRenegotiation(s),
            Keepalive = keepalive,
            Logging = BuildLogging(s),
            Process = BuildProcess(s),
            Tun = BuildTun(s, ifconfig, localRoutes, routeGateway) with { Topology = topology },
            Pool = pool,
            ServerNetwork = s.Server is { } sv ? Ipv4.ToAddress(sv.Network) : null,
            ServerNetmask = s.Server is { } sm ? Ipv4.ToAddress(sm.Netmask) : null,
            Ipv6 = ipv6,
            Pushes = pushes,
            ClientConfigDir = s.ClientConfigDir,
            CcdExclusive = s.CcdExclusive,
            IfconfigPoolPersistFile = s.IfconfigPoolPersistFile,
            IfconfigPoolPersistSeconds = s.IfconfigPoolPersistSeconds,
            ClientToClient = s.ClientToClient,
            DuplicateCn = s.DuplicateCn,
            UsernameAsCommonName = s.UsernameAsCommonName is not null,
            AuthUserPassVerify = BuildUserPassVerify(s),
            PamService = s.PamPlugin?.Service,
            ClientConnect = s.ClientConnect is { } cc ? ScriptCommand(s, cc.Line, cc.Command) : null,
            ClientDisconnect = s.ClientDisconnect is { } cd ? ScriptCommand(s, cd.Line, cd.Command) : null,
            LearnAddress = s.LearnAddress is { } la ? ScriptCommand(s, la.Line, la.Command) : null,
            TlsCryptV2Verify = BuildTlsCryptV2Verify(s),
            AuthGenToken = BuildAuthGenToken(s),
            TmpDir = s.TmpDir,
            MaxClients = s.MaxClients,
            PortShare = BuildPortShare(s),
            ConnectFrequency = s.ConnectFrequency,
            ExplicitExitNotify = s.ExplicitExitNotify,
            NatMasquerade = s.NatMasquerade,
            Firewall = s.Firewall,
            SocketSendBuffer = s.SocketSendBuffer,
            SocketReceiveBuffer = s.SocketReceiveBuffer,
            SocketMark = s.SocketMark,
            BindDevice = s.BindDevice,
            Warnings = s.Warnings,
        };
    }

    /// <summary>port-share needs a TCP server (OpenVPN: "--port-share only works in TCP server mode").</summary>
    private static PortShareSettings? BuildPortShare(ParseState s)
    {
        if (s.PortShare is not { } ps)
        {
            return null;
        }

        if ((s.Protocol ?? TransportProtocol.Udp) != TransportProtocol.Tcp)
        {
            throw ps.Line.Error("only works on a TCP server (proto tcp-server): other services share a TCP port, not a UDP one");
        }

        return ps.Settings;
    }

    /// <summary>
    /// auth-user-pass-verify: script-security high enough (OpenVPN would refuse to run it, or run it without the
    /// password), the program split into words and present and executable now rather than failing every client later.
    /// </summary>
    private static UserPassVerifyScript? BuildUserPassVerify(ParseState s)
    {
        if (s.AuthUserPassVerify is not { } v)
        {
            return null;
        }

        if (v.ViaEnv && s.ScriptSecurity < 3)
        {
            throw v.Line.Error($"via-env needs 'script-security 3' (the password goes into the program's environment); it is {s.ScriptSecurity}. Use via-file with 'script-security 2'");
        }

        return new UserPassVerifyScript(ScriptCommand(s, v.Line, v.Command), v.ViaEnv);
    }

    /// <summary>tls-crypt-v2-verify: a command as the other scripts; without tls-crypt-v2 there is no client key to check.</summary>
    private static List<string>? BuildTlsCryptV2Verify(ParseState s)
    {
        if (s.TlsCryptV2Verify is not { } verify)
        {
            return null;
        }

        if (s.TlsCryptV2 is null)
        {
            s.Warn(verify.Line, "has no effect without tls-crypt-v2 (there are no client keys to check)");
        }

        return ScriptCommand(s, verify.Line, verify.Command);
    }

    /// <summary>tls-export-cert: only tls-verify is given the exported certificate, so without it the option does nothing.</summary>
    private static string? ExportCertDirectory(ParseState s)
    {
        if (s.TlsExportCert is { } export && s.TlsVerify is null)
        {
            s.Warn(export.Line, "has no effect without tls-verify (the exported certificate is handed to that script)");
        }

        return s.TlsExportCert?.Directory;
    }

    /// <summary>
    /// auth-gen-token, checked as OpenVPN's options.c: tokens need renegotiation by time (they are renewed then), and a
    /// renewal period of at least two hand-windows; without auth-user-pass-verify there is no password to replace.
    /// </summary>
    private static AuthGenTokenSettings? BuildAuthGenToken(ParseState s)
    {
        if (s.AuthGenToken is not { } t)
        {
            if (s.AuthGenTokenSecret is not null)
            {
                s.Warnings.Add($"{s.AuthGenTokenSecret.Source}: auth-gen-token-secret has no effect without auth-gen-token");
            }

            return null;
        }

        if (s.RenegSeconds == 0)
        {
            throw t.Line.Error("needs renegotiation by time ('reneg-sec' is 0): tokens are renewed at each renegotiation");
        }

        int renewal = t.Renewal ?? s.RenegSeconds;
        if (renewal < 2 * s.HandWindowSeconds)
        {
            throw t.Line.Error($"the renewal time ({renewal} s) must be at least twice hand-window ({s.HandWindowSeconds} s)");
        }

        if (s.AuthUserPassVerify is null && s.PamPlugin is null)
        {
            s.Warn(t.Line, "has no effect without auth-user-pass-verify (clients send no password to replace by a token)");
        }

        return new AuthGenTokenSettings(t.Lifetime, renewal, t.ExternalAuth, s.AuthGenTokenSecret);
    }

    /// <summary>
    /// A script option's command: allowed by script-security (2 or higher, as OpenVPN's openvpn_execve_allowed), split
    /// into words as OpenVPN's argv_parse_cmd does, the program (relative to the config's directory) present and
    /// executable now rather than failing every client later.
    /// </summary>
    private static List<string> ScriptCommand(ParseState s, ConfigLine line, string command)
    {
        if (s.ScriptSecurity < 2)
        {
            throw line.Error($"needs 'script-security 2' or higher to run '{command}'; it is {s.ScriptSecurity}");
        }

        List<string> words;
        try
        {
            words = ScriptCommandLine.Split(command);
        }
        catch (FormatException ex)
        {
            throw line.Error($"cannot split the command '{command}': {ex.Message}");
        }

        if (words.Count == 0)
        {
            throw line.Error("the command is empty");
        }

        words[0] = s.ResolvePath(words[0]);
        if (!File.Exists(words[0]))
        {
            throw line.Error($"program '{words[0]}' does not exist");
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(words[0]) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
        {
            throw line.Error($"program '{words[0]}' is not executable (chmod +x)");
        }

        return words;
    }

    /// <summary>
    /// OpenVPN helper.c <c>helper_client_server</c> for dev tun: the server's own ifconfig, the pool,
    /// the local route and the pushes "route ..."/"route-gateway ..." and "topology ...".
    /// </summary>
    private static (AddressPool? Pool, IfconfigSettings Ifconfig) ExpandServer(
        ParseState s, (uint Network, uint Netmask, bool NoPool, ConfigLine Line) server, Topology topology,
        List<string> pushes, List<Route> localRoutes, ref System.Net.IPAddress? routeGateway)
    {
        ConfigLine line = server.Line;
        int netbits = Ipv4.PrefixLength(server.Netmask);
        if (netbits < 16)
        {
            throw line.Error($"netmask {Ipv4.Format(server.Netmask)} allows too many addresses (must be 255.255.0.0 or smaller)");
        }

        if (netbits > 29)
        {
            throw line.Error($"netmask {Ipv4.Format(server.Netmask)} is too small for dev tun (must be 255.255.255.248 or larger)");
        }

        if (!server.NoPool && s.IfconfigPool is { } explicitPool)
        {
            throw explicitPool.Line.Error("'server' already defines the pool; remove ifconfig-pool or add 'nopool' to 'server'");
        }

        uint net = server.Network;
        uint broadcast = net | ~server.Netmask;
        AddressPool? pool = null;
        IfconfigSettings ifconfig;
        if (topology is Topology.Net30 or Topology.P2p)
        {
            uint poolEndReserve = netbits == 29 ? 0u : 4u;
            ifconfig = new IfconfigSettings(Ipv4.ToAddress(net + 1), Ipv4.ToAddress(net + 2));
            if (!server.NoPool)
            {
                pool = new AddressPool(topology, ifconfig.Local, ifconfig.RemoteOrNetmask, Ipv4.ToAddress(net + 4),
                    Ipv4.ToAddress(broadcast - poolEndReserve), Ipv4.ToAddress(server.Netmask));
            }

            localRoutes.Add(new Route(Ipv4.ToAddress(net), Ipv4.ToAddress(server.Netmask), null, null));
            if (s.ClientToClient)
            {
                pushes.Add($"route {Ipv4.Format(net)} {Ipv4.Format(server.Netmask)}");
            }
            else if (topology == Topology.Net30)
            {
                pushes.Add($"route {Ipv4.Format(net + 1)}");
            }
        }
        else
        {
            ifconfig = new IfconfigSettings(Ipv4.ToAddress(net + 1), Ipv4.ToAddress(server.Netmask));
            if (!server.NoPool)
            {
                pool = new AddressPool(topology, ifconfig.Local, ifconfig.RemoteOrNetmask, Ipv4.ToAddress(net + 2),
                    Ipv4.ToAddress(broadcast - 1), Ipv4.ToAddress(server.Netmask));
            }

            pushes.Add($"route-gateway {Ipv4.Format(net + 1)}");
            routeGateway ??= Ipv4.ToAddress(net + 2);
        }

        pushes.Add("topology " + topology.ToString().ToLowerInvariant());
        if (topology == Topology.Net30 && !server.NoPool)
        {
            s.Warn(line, "uses topology net30, which OpenVPN 2.6 deprecates for servers; 'topology subnet' is recommended for new deployments (clients get .2, .3, ... instead of .6, .10, ...)");
        }

        if (s.Ifconfig is { } own)
        {
            s.Warn(own.Line, "is replaced by the address 'server' computes");
        }

        return (pool, ifconfig);
    }

    /// <summary>OpenVPN refuses a config without --dev ("You must define TUN/TAP device").</summary>
    private static void RequireDevice(ParseState s)
    {
        if (s.DevLine is null)
        {
            throw new ConfigException(s.SourceName, 0, "dev", "is required (add 'dev tun')");
        }
    }

    private static void RequireCredentials(ParseState s, bool requireCertificate)
    {
        // OpenVPN 2.6 options.c check_ca_required: peer-fingerprint alone is enough, if it lists one (an empty block does not).
        if (s.CaPem is null && s.PeerFingerprints is not { Count: > 0 })
        {
            throw new ConfigException(s.SourceName, 0, "ca", "is required (the CA certificate that signs the peer), unless 'peer-fingerprint' lists the peer certificates accepted");
        }

        if (s.CaPem is null && s.CrlPem is not null)
        {
            // ssl_verify_openssl.c verify_callback: without a CA every OpenSSL verification error, a revocation included, is ignored.
            s.Warnings.Add(ConfigException.Format(s.SourceName, 0, "crl-verify",
                "has no effect without 'ca' (with peer-fingerprint alone OpenVPN checks no chain and no CRL); remove a revoked certificate's fingerprint instead"));
        }

        if (requireCertificate && s.CertPem is null)
        {
            throw new ConfigException(s.SourceName, 0, "cert", "is required (this side's certificate)");
        }

        if (s.CertPem is not null && s.KeyPem is null)
        {
            throw new ConfigException(s.SourceName, 0, "key", "is required with 'cert' (this side's private key)");
        }

        int protections = (s.TlsAuth is null ? 0 : 1) + (s.TlsCrypt is null ? 0 : 1) + (s.TlsCryptV2 is null ? 0 : 1);
        if (protections > 1)
        {
            throw new ConfigException(s.SourceName, 0, "tls-crypt", "tls-auth, tls-crypt and tls-crypt-v2 are mutually exclusive; keep one");
        }
    }

    private static TlsSettings BuildTls(ParseState s) => new()
    {
        CaPem = s.CaPem,
        PeerFingerprints = s.PeerFingerprints is { Count: > 0 } pins ? pins : null,
        CertPem = s.CertPem,
        KeyPem = s.KeyPem,
        ExtraCertsPem = s.ExtraCertsPem,
        DhPem = s.DhPem,
        CrlPath = s.CrlPath,
        CrlPem = s.CrlPem,
        TlsAuth = s.TlsAuth is { } ta ? new StaticKeyText(ta.Text, ta.Source, ta.Direction ?? s.KeyDirection) : null,
        TlsCrypt = s.TlsCrypt,
        TlsCryptV2 = s.TlsCryptV2,
        TlsVersionMin = s.TlsVersionMin,
        TlsVersionMinOrHighest = s.TlsVersionMinOrHighest,
        TlsVersionMax = s.TlsVersionMax,
        TlsCipher = s.TlsCipher,
        TlsCipherSuites = s.TlsCipherSuites,
        EcdhCurve = s.EcdhCurve,
        RemoteCertTls = s.RemoteCertTls,
        RemoteCertKu = s.RemoteCertKu,
        RemoteCertEku = s.RemoteCertEku,
        NsCertType = s.NsCertType,
        VerifyX509Name = s.VerifyX509Name,
        X509UsernameFields = s.X509UsernameFields ?? [X509UsernameField.CommonName],
        TlsVerify = s.TlsVerify is { } tv ? ScriptCommand(s, tv.Line, tv.Command) : null,
        ExportCertDirectory = ExportCertDirectory(s),
        VerifyClientCert = s.VerifyClientCert,
        PrivateKeyPassword = s.PrivateKeyPassword,
        PromptForPrivateKeyPassword = s.PromptForPrivateKeyPassword,
    };

    private static DataChannelSettings BuildDataChannel(ParseState s)
    {
        IReadOnlyList<string> dataCiphers = s.DataCiphers ?? DataChannelSettings.DefaultDataCiphers;
        if (s.Cipher is { } cipher && s.CipherLine is { } cipherLine && !dataCiphers.Contains(cipher) && s.DataCiphersFallback != cipher)
        {
            // OpenVPN 2.6 options.c options_postprocess_cipher: --cipher outside data-ciphers is not negotiated.
            s.Warn(cipherLine, $"'{cipher}' is not in data-ciphers ({string.Join(":", dataCiphers)}), so it is only announced (OCC) and never negotiated, as in OpenVPN 2.6; add it to data-ciphers to allow it");
        }

        return new DataChannelSettings
        {
            DataCiphers = dataCiphers,
            DataCiphersFallback = s.DataCiphersFallback,
            Cipher = s.Cipher,
            Auth = s.Auth,
            Compression = s.Compression,
            AllowCompression = s.AllowCompression,
            ReplayWindow = s.ReplayWindow,
            ReplayWindowSeconds = s.ReplayWindowSeconds,
            MuteReplayWarnings = s.MuteReplayWarnings,
        };
    }

    private static RenegotiationSettings BuildRenegotiation(ParseState s) => new()
    {
        RenegSeconds = s.RenegSeconds,
        RenegSecondsMax = s.RenegSecondsMax,
        RenegBytes = s.RenegBytes,
        RenegPackets = s.RenegPackets,
        HandWindowSeconds = s.HandWindowSeconds,
        TlsTimeoutSeconds = s.TlsTimeoutSeconds,
        TranWindowSeconds = s.TranWindowSeconds,
    };

    private static LoggingSettings BuildLogging(ParseState s) => new()
    {
        Verb = s.Verb,
        Mute = s.Mute,
        LogFile = s.LogFile,
        LogAppend = s.LogAppend,
        Timestamps = s.MachineReadableOutput ? LogTimestamps.MachineReadable : s.SuppressTimestamps ? LogTimestamps.None : LogTimestamps.LocalTime,
        StatusFile = s.StatusFile,
        StatusIntervalSeconds = s.StatusIntervalSeconds,
        StatusVersion = s.StatusVersion,
        WritePidFile = s.WritePidFile,
        Management = s.Management,
    };

    private static ProcessSettings BuildProcess(ParseState s) => new()
    {
        User = s.User,
        Group = s.Group,
        PersistKey = s.PersistKey,
        PersistTun = s.PersistTun,
        ScriptSecurity = s.ScriptSecurity,
        DisableDco = s.DisableDco,
        SetEnv = s.SetEnv,
        Up = s.Up is { } up ? ScriptCommand(s, up.Line, up.Command) : null,
        Down = s.Down is { } down ? ScriptCommand(s, down.Line, down.Command) : null,
        RouteUp = s.RouteUp is { } routeUp ? ScriptCommand(s, routeUp.Line, routeUp.Command) : null,
        RoutePreDown = s.RoutePreDown is { } preDown ? ScriptCommand(s, preDown.Line, preDown.Command) : null,
        Ipchange = s.Ipchange is { } ipchange ? ScriptCommand(s, ipchange.Line, ipchange.Command) : null,
        UpRestart = s.UpRestart,
        DownPre = s.DownPre,
    };

    private static TunSettings BuildTun(ParseState s, IfconfigSettings? ifconfig, List<Route> extraRoutes, System.Net.IPAddress? routeGateway)
    {
        string devType = s.DevType ?? "tun";
        if (s.DevType is null && !s.Dev.StartsWith("tun", StringComparison.Ordinal))
        {
            throw s.DevLine!.Error($"cannot tell the device type of '{s.Dev}'; add 'dev-type tun'");
        }

        return new TunSettings
        {
            Device = s.Dev,
            DeviceType = devType,
            Topology = s.Topology ?? Topology.Net30,
            TopologyConfigured = s.Topology is not null,
            TunMtu = s.TunMtu,
            MssFix = s.MssFix,
            MssFixMode = s.MssFixMode,
            TxQueueLength = s.TxQueueLength,
            Ifconfig = ifconfig,
            Routes = [.. extraRoutes, .. s.Routes],
            RoutesIpv6 = s.RoutesIpv6,
            BlockIpv6 = s.BlockIpv6,
            RouteGateway = routeGateway,
            RouteMetric = s.RouteMetric,
            RedirectGateway = s.RedirectGateway,
            DhcpOptions = s.DhcpOptions,
            BlockOutsideDns = s.BlockOutsideDns,
        };
    }
}
