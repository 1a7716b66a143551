namespace SharpVpn.Config;

/// <summary>Everything <c>sharpvpn server</c> needs, from an OpenVPN server config (<c>server</c> or <c>mode server</c>).</summary>
public sealed record ServerConfig
{
    public required string SourceName { get; init; }

    public required string BaseDirectory { get; init; }

    public TransportProtocol Protocol { get; init; } = TransportProtocol.Udp;

    /// <summary><c>port-share</c>: where non-OpenVPN TCP connections are relayed; null = they are closed.</summary>
    public PortShareSettings? PortShare { get; init; }

    public AddressFamilyPreference Family { get; init; } = AddressFamilyPreference.Any;

    /// <summary><c>port</c>/<c>lport</c>, default 1194.</summary>
    public int Port { get; init; } = 1194;

    /// <summary><c>local</c> address to bind; null = all addresses.</summary>
    public string? LocalAddress { get; init; }

    public required TlsSettings Tls { get; init; }

    public required DataChannelSettings DataChannel { get; init; }

    public required RenegotiationSettings Renegotiation { get; init; }

    /// <summary>Server-side timers (keepalive N M → ping N, ping-restart 2*M).</summary>
    public required KeepaliveSettings Keepalive { get; init; }

    public required LoggingSettings Logging { get; init; }

    public required ProcessSettings Process { get; init; }

    /// <summary>Device settings; <see cref="TunSettings.Ifconfig"/> is the server's own tun address.</summary>
    public required TunSettings Tun { get; init; }

    /// <summary>Dynamic pool from <c>server</c> or <c>ifconfig-pool</c>; null with <c>server ... nopool</c>.</summary>
    public AddressPool? Pool { get; init; }

    /// <summary>The <c>server NET MASK</c> network, if given.</summary>
    public System.Net.IPAddress? ServerNetwork { get; init; }

    public System.Net.IPAddress? ServerNetmask { get; init; }

    /// <summary><c>server-ipv6 NET/BITS</c>: IPv6 inside the tunnel (tun address and a pool beside the IPv4 one); null for IPv4 only.</summary>
    public ServerIpv6Settings? Ipv6 { get; init; }

    /// <summary>
    /// The global push list in OpenVPN 2.6 order: the file's own <c>push "..."</c> lines, then what
    /// <c>server</c> adds (net30: "route SERVER_TUN_IP" — or "route NET MASK" with client-to-client — then
    /// "topology net30"; subnet: "route-gateway SERVER_TUN_IP", "topology subnet"), then what
    /// <c>keepalive N M</c> adds ("ping N", "ping-restart M"). Per-client entries (ifconfig, peer-id,
    /// cipher, protocol-flags, tun-mtu, ccd pushes) are the runtime's job.
    /// </summary>
    public IReadOnlyList<string> Pushes { get; init; } = [];

    /// <summary>Absolute path of <c>client-config-dir</c>, or null.</summary>
    public string? ClientConfigDir { get; init; }

    public bool CcdExclusive { get; init; }

    /// <summary>Absolute path of <c>ifconfig-pool-persist FILE</c>, or null.</summary>
    public string? IfconfigPoolPersistFile { get; init; }

    /// <summary>Write interval; default 600 s; 0 = read-only (never write) as in OpenVPN.</summary>
    public int IfconfigPoolPersistSeconds { get; init; } = 600;

    public bool ClientToClient { get; init; }

    public bool DuplicateCn { get; init; }

    /// <summary>
    /// <c>username-as-common-name</c>: once auth-user-pass-verify accepts a client, its username (non-printable bytes
    /// as '_') is its common name everywhere: client-config-dir, duplicate-cn, pool persistence, scripts, status, logs.
    /// </summary>
    public bool UsernameAsCommonName { get; init; }

    /// <summary><c>auth-user-pass-verify</c>: the program that checks each client's username and password; null = none.</summary>
    public UserPassVerifyScript? AuthUserPassVerify { get; init; }

    /// <summary><c>plugin openvpn-plugin-auth-pam.so SERVICE</c>: the PAM service that checks usernames/passwords; null = none.</summary>
    public string? PamService { get; init; }

    /// <summary>True when clients' usernames and passwords are checked (a script, PAM, or both: each must accept).</summary>
    public bool ChecksUserPass => AuthUserPassVerify is not null || PamService is not null;

    /// <summary><c>client-connect</c>: program and arguments (absolute program path); null = none.</summary>
    public IReadOnlyList<string>? ClientConnect { get; init; }

    /// <summary><c>client-disconnect</c>: program and arguments (absolute program path); null = none.</summary>
    public IReadOnlyList<string>? ClientDisconnect { get; init; }

    /// <summary><c>tls-crypt-v2-verify</c>: program and arguments run for each new client's tls-crypt-v2 key; null = none.</summary>
    public IReadOnlyList<string>? TlsCryptV2Verify { get; init; }

    /// <summary><c>learn-address</c>: program and arguments (absolute program path); null = none.</summary>
    public IReadOnlyList<string>? LearnAddress { get; init; }

    /// <summary><c>auth-gen-token</c> (with its secret); null = no session tokens.</summary>
    public AuthGenTokenSettings? AuthGenToken { get; init; }

    /// <summary><c>tmp-dir</c> (absolute), where via-file credential files are written; null = $TMPDIR or /tmp.</summary>
    public string? TmpDir { get; init; }

    /// <summary>Default 1024 as in OpenVPN.</summary>
    public int MaxClients { get; init; } = 1024;

    public ConnectFrequency? ConnectFrequency { get; init; }

    /// <summary>Server side: 1 when <c>explicit-exit-notify</c> is given (tell clients on shutdown/restart), 0 = off.</summary>
    public int ExplicitExitNotify { get; init; }

    /// <summary>
    /// Our <c>nat-masquerade IFACE [IFACE...]|auto</c>: the outgoing interfaces, or the single entry "auto" (the default
    /// route's interface); null = no NAT setup.
    /// </summary>
    public IReadOnlyList<string>? NatMasquerade { get; init; }

    /// <summary>Our <c>firewall open|off</c> (default off: leave the firewall alone).</summary>
    public FirewallMode Firewall { get; init; } = FirewallMode.Off;

    public int? SocketSendBuffer { get; init; }

    public int? SocketReceiveBuffer { get; init; }

    /// <summary><c>mark N</c>: SO_MARK on the tunnel's socket; null = none.</summary>
    public int? SocketMark { get; init; }

    /// <summary><c>bind-dev DEV</c>: SO_BINDTODEVICE on the tunnel's socket; null = none.</summary>
    public string? BindDevice { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];
}
