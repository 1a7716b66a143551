namespace SharpVpn.Config;

/// <summary>
/// <c>socks-proxy SERVER [PORT] [AUTHFILE]</c>: the client reaches the server through a SOCKS5 proxy (OpenVPN socks.c),
/// e.g. an <c>ssh -D</c> forward; with an auth file, RFC 1929 user name and password.
/// </summary>
public sealed record SocksProxySettings
{
    public required string Server { get; init; }

    /// <summary>OpenVPN's default 1080.</summary>
    public int Port { get; init; } = 1080;

    /// <summary>User name and password (the auth file; 'stdin' asks for them); null = no authentication offered.</summary>
    public AuthUserPassSettings? Credentials { get; init; }

    /// <summary>Line of the socks-proxy option, for messages.</summary>
    public int Line { get; init; }
}
