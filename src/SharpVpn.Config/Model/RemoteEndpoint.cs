namespace SharpVpn.Config;

/// <summary>One <c>remote host [port] [proto]</c> entry with the defaults of <c>port</c>/<c>rport</c> and <c>proto</c> applied.</summary>
public sealed record RemoteEndpoint(string Host, int Port, TransportProtocol Protocol, AddressFamilyPreference Family)
{
    /// <summary>
    /// The connection options of the <c>&lt;connection&gt;</c> block this remote came from; null for a plain
    /// <c>remote</c> line, whose connection options are the config's own.
    /// </summary>
    public ConnectionBlockSettings? Block { get; init; }
}

/// <summary>
/// Connection options a <c>&lt;connection&gt;</c> block sets for its remote (OpenVPN's per-connection
/// <c>connection_entry</c>): they start as the options given before the block and the block's lines override them.
/// </summary>
public sealed record ConnectionBlockSettings
{
    /// <summary>Line of the block's opening tag, for messages.</summary>
    public required int Line { get; init; }

    public bool Nobind { get; init; }

    public string? LocalAddress { get; init; }

    /// <summary>As <see cref="ClientConfig.LocalPort"/>: null = a random source port.</summary>
    public int? LocalPort { get; init; }

    public int ConnectRetrySeconds { get; init; } = 1;

    public int ConnectRetryMaxSeconds { get; init; } = 300;

    public int ServerPollTimeoutSeconds { get; init; } = 120;

    public int ExplicitExitNotify { get; init; }

    /// <summary>The HTTP proxy to reach this remote through; null = connect directly.</summary>
    public HttpProxySettings? HttpProxy { get; init; }

    /// <summary>The SOCKS5 proxy to reach this remote through; null = none.</summary>
    public SocksProxySettings? SocksProxy { get; init; }
}
