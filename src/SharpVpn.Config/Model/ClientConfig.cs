namespace SharpVpn.Config;

/// <summary>Everything <c>sharpvpn client</c> needs, from an OpenVPN client config (<c>client</c> or <c>pull</c> + <c>tls-client</c>).</summary>
public sealed record ClientConfig
{
    /// <summary>The file name used in messages ("client.ovpn" or the name passed to FromText).</summary>
    public required string SourceName { get; init; }

    /// <summary>Directory relative paths were resolved against.</summary>
    public required string BaseDirectory { get; init; }

    /// <summary>All <c>remote</c> entries in file order (shuffle when <see cref="RemoteRandom"/>).</summary>
    public required IReadOnlyList<RemoteEndpoint> Remotes { get; init; }

    public bool RemoteRandom { get; init; }

    public bool Nobind { get; init; }

    /// <summary><c>local</c> address to bind, or null.</summary>
    public string? LocalAddress { get; init; }

    /// <summary>
    /// Local port to bind, or null for a random source port. As in OpenVPN 2.6 a pulling client binds
    /// only with <c>lport N</c> (N ≠ 0), <c>bind</c> or <c>local</c>, and never with <c>nobind</c>; the port is
    /// then lport, else port, else 1194.
    /// </summary>
    public int? LocalPort { get; init; }

    public bool Float { get; init; }

    /// <summary><c>resolv-retry</c> seconds; null = infinite (the default).</summary>
    public int? ResolvRetrySeconds { get; init; }

    /// <summary><c>connect-retry n [max]</c>: initial back-off (default 1 s) and cap (default 300 s).</summary>
    public int ConnectRetrySeconds { get; init; } = 1;

    public int ConnectRetryMaxSeconds { get; init; } = 300;

    /// <summary><c>connect-retry-max n</c>; null = unlimited.</summary>
    public int? ConnectRetryMax { get; init; }

    /// <summary><c>server-poll-timeout</c> seconds (default 120 in 2.6 for TCP connect / UDP first answer).</summary>
    public int ServerPollTimeoutSeconds { get; init; } = 120;

    public required TlsSettings Tls { get; init; }

    public required DataChannelSettings DataChannel { get; init; }

    public required RenegotiationSettings Renegotiation { get; init; }

    public required KeepaliveSettings Keepalive { get; init; }

    public required LoggingSettings Logging { get; init; }

    public required ProcessSettings Process { get; init; }

    public required TunSettings Tun { get; init; }

    /// <summary>True with <c>client</c> or <c>pull</c>.</summary>
    public bool Pull { get; init; } = true;

    public bool RouteNoPull { get; init; }

    public IReadOnlyList<PullFilter> PullFilters { get; init; } = [];

    public AuthUserPassSettings? AuthUserPass { get; init; }

    /// <summary><c>static-challenge</c>: ask for a one-time code with the password.</summary>
    public StaticChallenge? StaticChallenge { get; init; }

    /// <summary><c>dns</c> (OpenVPN 2.6): DNS servers and search domains for the tunnel; pushed ones merge in.</summary>
    public DnsSettings Dns { get; init; } = DnsSettings.None;

    /// <summary>
    /// <c>auth-nocache</c>: the credentials are not kept once sent; each login (renegotiation without an auth-token,
    /// reconnect) reads the auth-user-pass file again or asks again, as OpenVPN's purge_user_pass.
    /// </summary>
    public bool AuthNoCache { get; init; }

    /// <summary><c>push-peer-info</c> (or <c>setenv PUSH_PEER_INFO</c>): the fuller peer-info set, with setenv UV_* variables.</summary>
    public bool PushPeerInfo { get; init; }

    public AuthRetry AuthRetry { get; init; } = AuthRetry.None;

    /// <summary><c>explicit-exit-notify [n]</c>: number of exit notifications to send (UDP); 0 = off.</summary>
    public int ExplicitExitNotify { get; init; }

    public int? SocketSendBuffer { get; init; }

    public int? SocketReceiveBuffer { get; init; }

    /// <summary><c>mark N</c>: SO_MARK on the tunnel's socket; null = none.</summary>
    public int? SocketMark { get; init; }

    /// <summary><c>bind-dev DEV</c>: SO_BINDTODEVICE on the tunnel's socket; null = none.</summary>
    public string? BindDevice { get; init; }

    /// <summary>The connection options for <paramref name="remote"/>: its &lt;connection&gt; block's, else the config's own.</summary>
    public ConnectionBlockSettings ConnectionOf(RemoteEndpoint remote) => remote.Block ?? new ConnectionBlockSettings
    {
        Line = 0,
        Nobind = Nobind,
        LocalAddress = LocalAddress,
        LocalPort = LocalPort,
        ConnectRetrySeconds = ConnectRetrySeconds,
        ConnectRetryMaxSeconds = ConnectRetryMaxSeconds,
        ServerPollTimeoutSeconds = ServerPollTimeoutSeconds,
        ExplicitExitNotify = ExplicitExitNotify,
        HttpProxy = HttpProxy,
        SocksProxy = SocksProxy,
    };

    /// <summary><c>http-proxy</c> outside &lt;connection&gt; blocks: the proxy for every plain remote; null = none.</summary>
    public HttpProxySettings? HttpProxy { get; init; }

    /// <summary><c>socks-proxy</c> outside &lt;connection&gt; blocks; null = none.</summary>
    public SocksProxySettings? SocksProxy { get; init; }

    /// <summary>
    /// One line per ignored or unsupported directive and per deprecation note, already formatted as
    /// "file:line: option 'X' ..."; print them at start-up.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
