using System.Net;

namespace SharpVpn.Config;

/// <summary>A pushed option that was dropped, with the reason (logged by the client; never applied, never repaired).</summary>
public sealed record RejectedPushOption(string Option, string Reason);

/// <summary>
/// The typed content of one or more PUSH_REPLY messages (openvpn-protocol.md §10.5-10.6), after
/// pull-filter and route-nopull. Only validated values appear here; everything else is listed in
/// <see cref="Dropped"/>, <see cref="FilteredOut"/> or <see cref="Notes"/>.
/// </summary>
public sealed record PushReplyOptions
{
    public IReadOnlyList<Route> Routes { get; init; } = [];

    public IPAddress? RouteGateway { get; init; }

    public int? RouteMetric { get; init; }

    public Topology? Topology { get; init; }

    /// <summary><c>ifconfig CLIENT_IP PEER_OR_NETMASK</c>: second address is the peer (net30/p2p) or netmask (subnet).</summary>
    public IfconfigSettings? Ifconfig { get; init; }

    public IReadOnlyList<DhcpOption> DhcpOptions { get; init; } = [];

    /// <summary>Pushed <c>dns</c> options (OpenVPN 2.6), to merge with the config's (<see cref="DnsSettings.WithPulled"/>).</summary>
    public DnsSettings Dns { get; init; } = DnsSettings.None;

    public RedirectGateway? RedirectGateway { get; init; }

    /// <summary>Pushed timers, to take in place of the config's through <see cref="KeepaliveSettings.WithPulled"/>.</summary>
    public int? PingSeconds { get; init; }

    /// <summary>Pushed <c>ping-restart</c>; never set together with <see cref="PingExitSeconds"/> (one timer, the last pushed wins).</summary>
    public int? PingRestartSeconds { get; init; }

    /// <summary>Pushed <c>ping-exit</c>; never set together with <see cref="PingRestartSeconds"/>.</summary>
    public int? PingExitSeconds { get; init; }

    /// <summary>Pushed <c>inactive N [BYTES]</c>.</summary>
    public (int Seconds, long MinimumBytes)? Inactive { get; init; }

    /// <summary>Pushed <c>session-timeout N</c>.</summary>
    public int? SessionTimeoutSeconds { get; init; }

    /// <summary><c>peer-id N</c> (0..0xFFFFFE): use P_DATA_V2 with this id.</summary>
    public int? PeerId { get; init; }

    /// <summary>Negotiated data cipher (canonical name); the client must still check it against its data-ciphers.</summary>
    public string? Cipher { get; init; }

    public string? Auth { get; init; }

    /// <summary>Compression framing the server asks for (<c>compress ...</c> / <c>comp-lzo ...</c>); null = unchanged.</summary>
    public CompressionMode? Compression { get; init; }

    public int? TunMtu { get; init; }

    /// <summary><c>key-derivation tls-ekm</c> or the tls-ekm protocol flag.</summary>
    public bool KeyDerivationTlsEkm { get; init; }

    /// <summary>Known <c>protocol-flags</c>: cc-exit, tls-ekm, dyn-tls-crypt, aead-epoch.</summary>
    public IReadOnlyList<string> ProtocolFlags { get; init; } = [];

    public int? ExplicitExitNotify { get; init; }

    public string? AuthToken { get; init; }

    /// <summary><c>auth-token-user</c> decoded from base64.</summary>
    public string? AuthTokenUser { get; init; }

    public bool BlockIpv6 { get; init; }

    /// <summary><c>ifconfig-ipv6</c>: the tunnel's IPv6 address (a server with <c>server-ipv6</c>); null for IPv4-only tunnels.</summary>
    public IfconfigIpv6Settings? IfconfigIpv6 { get; init; }

    /// <summary><c>route-ipv6</c> lines, in push order.</summary>
    public IReadOnlyList<RouteIpv6> RoutesIpv6 { get; init; } = [];

    /// <summary>Windows-only; recorded, has no effect on Linux.</summary>
    public bool BlockOutsideDns { get; init; }

    /// <summary>Last <c>push-continuation</c> value: 2 = more messages follow, 1 or null = this was the last.</summary>
    public int? PushContinuation { get; init; }

    public bool IsComplete => PushContinuation != 2;

    /// <summary>Options that failed validation or are not allowed to be pushed.</summary>
    public IReadOnlyList<RejectedPushOption> Dropped { get; init; } = [];

    /// <summary>Options removed by an <c>ignore</c> pull-filter or by <c>route-nopull</c>.</summary>
    public IReadOnlyList<string> FilteredOut { get; init; } = [];

    /// <summary>Options accepted and deliberately ignored (IPv6, Windows-only, informational), one note each.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// Set when a <c>reject</c> pull-filter matched: OpenVPN stops processing and restarts the
    /// connection ("Pushed option rejected by filter"); the options after it were not parsed.
    /// </summary>
    public string? RejectedByFilter { get; init; }
}
