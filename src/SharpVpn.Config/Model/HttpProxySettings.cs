namespace SharpVpn.Config;

/// <summary>How the client logs in to its HTTP proxy (OpenVPN's <c>http-proxy</c> third and fourth arguments).</summary>
public enum HttpProxyAuth
{
    /// <summary>No Proxy-Authorization header.</summary>
    None,

    /// <summary>Basic authentication from the first CONNECT on (an auth file, or 'stdin' to ask).</summary>
    Basic,

    /// <summary>'auto': CONNECT without credentials; when the proxy answers 407, use the method it asks for.</summary>
    Auto,

    /// <summary>'auto-nct': as <see cref="Auto"/>, but never send a password in clear text (Basic is refused).</summary>
    AutoNoCleartext,
}

/// <summary>One <c>http-proxy-option CUSTOM-HEADER NAME [CONTENT]</c>: without content, NAME is the whole header line.</summary>
public sealed record HttpProxyHeader(string Name, string? Content)
{
    public string Line => Content is null ? Name : $"{Name}: {Content}";
}

/// <summary>
/// <c>http-proxy SERVER PORT [AUTHFILE|auto|auto-nct] [AUTH-METHOD]</c> with its <c>http-proxy-option</c> and
/// <c>http-proxy-user-pass</c> lines: the client opens its TCP connection to the proxy and asks it to
/// <c>CONNECT</c> to the remote (OpenVPN proxy.c establish_http_proxy_passthru).
/// </summary>
public sealed record HttpProxySettings
{
    public required string Server { get; init; }

    public required int Port { get; init; }

    public HttpProxyAuth Auth { get; init; } = HttpProxyAuth.None;

    /// <summary>
    /// User name and password for the proxy (the auth file, or http-proxy-user-pass, which wins); missing values are
    /// asked for on the terminal when the proxy needs them.
    /// </summary>
    public AuthUserPassSettings? Credentials { get; init; }

    /// <summary><c>http-proxy-option VERSION</c>: the HTTP version of the CONNECT request (OpenVPN's default "1.0").</summary>
    public string HttpVersion { get; init; } = "1.0";

    /// <summary><c>http-proxy-option AGENT</c>: a User-Agent header, none by default.</summary>
    public string? UserAgent { get; init; }

    public IReadOnlyList<HttpProxyHeader> CustomHeaders { get; init; } = [];

    /// <summary>Line of the http-proxy option, for messages.</summary>
    public int Line { get; init; }
}
