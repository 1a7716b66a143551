namespace SharpVpn.Config;

/// <summary>
/// Connecting through a proxy (OpenVPN options.c "http-proxy", "http-proxy-option", "http-proxy-user-pass",
/// "socks-proxy"): a client whose network lets it out only through a proxy reaches its server over TCP.
/// </summary>
internal static class ProxyOptions
{
    /// <summary>OpenVPN's MAX_CUSTOM_HTTP_HEADER.</summary>
    private const int MaxCustomHeaders = 10;

    public static readonly OptionDefinition[] Definitions =
    [
        new("http-proxy", 2, 4, static (s, l) =>
            {
                int port = ParseState.PortNumber(l, 1);
                var auth = HttpProxyAuth.None;
                AuthUserPassSettings? credentials = null;
                if (l.ArgCount > 2)
                {
                    (auth, credentials) = l.Arg(2) switch
                    {
                        "auto" when l.ArgCount == 3 => (HttpProxyAuth.Auto, null),
                        "auto-nct" when l.ArgCount == 3 => (HttpProxyAuth.AutoNoCleartext, null),
                        "auto" or "auto-nct" => throw l.Error($"'{l.Arg(2)}' takes no authentication method after it"),
                        _ => AuthFromFile(s, l),
                    };
                }

                s.HttpProxy = (l, l.Arg(0), port, auth, credentials);
            }, "http-proxy SERVER PORT [AUTHFILE|stdin|auto|auto-nct] [none|basic]: reach the server through an HTTP proxy (proto tcp-client)",
            OptionScope.Client),
        new("http-proxy-option", 1, 3, static (s, l) =>
            {
                HttpProxyExtras extras = s.HttpProxyExtras with { FirstLine = s.HttpProxyExtras.FirstLine ?? l };
                s.HttpProxyExtras = l.Arg(0) switch
                {
                    "VERSION" when l.ArgCount == 2 => extras with { HttpVersion = l.Arg(1) },
                    "AGENT" when l.ArgCount == 2 => extras with { UserAgent = l.Arg(1) },
                    // OpenVPN takes the EXT1/EXT2 names of patched builds as CUSTOM-HEADER too.
                    "CUSTOM-HEADER" or "EXT1" or "EXT2" when l.ArgCount >= 2 => extras.Headers.Count >= MaxCustomHeaders
                        ? throw l.Error($"at most {MaxCustomHeaders} custom headers can be sent to the proxy")
                        : extras with { Headers = [.. extras.Headers, new HttpProxyHeader(l.Arg(1), l.ArgCount > 2 ? l.Arg(2) : null)] },
                    _ => throw l.Error($"'{l.Arg(0)}' with {l.ArgCount - 1} value(s) is not one of VERSION V, AGENT TEXT, CUSTOM-HEADER NAME [CONTENT]"),
                };
            }, "http-proxy-option VERSION 1.0|1.1 | AGENT TEXT | CUSTOM-HEADER NAME [CONTENT]: how to talk to the HTTP proxy",
            OptionScope.Client),
        new("http-proxy-user-pass", 1, 1, static (s, l) => s.HttpProxyUserPass = Credentials(s, l, 0),
            "http-proxy-user-pass FILE: the proxy's user name and password (two lines; may be inline)", OptionScope.Client, AllowsInline: true),
        new("socks-proxy", 1, 3, static (s, l) => s.SocksProxy = (l, new SocksProxySettings
            {
                Server = l.Arg(0),
                Port = l.ArgCount > 1 ? ParseState.PortNumber(l, 1) : 1080,
                Credentials = l.ArgCount > 2 ? Credentials(s, l, 2) : null,
                Line = l.LineNumber,
            }), "socks-proxy SERVER [PORT] [AUTHFILE|stdin]: reach the server through a SOCKS5 proxy (proto tcp-client)", OptionScope.Client),
        new("http-proxy-retry", 0, 0, static (s, l) => s.Warn(l, Deprecated), "deprecated: proxy connections are retried like others"),
        new("socks-proxy-retry", 0, 0, static (s, l) => s.Warn(l, Deprecated), "deprecated: proxy connections are retried like others"),
        new("http-proxy-timeout", 1, 1, static (s, l) => s.Warn(l,
                "is deprecated and ignored (OpenVPN 2.4+): the wait for a server, through a proxy or not, is server-poll-timeout (connect-timeout)"),
            "deprecated: use server-poll-timeout"),
    ];

    private const string Deprecated =
        "is deprecated and ignored (OpenVPN 2.4+): proxy connections are retried like any connection; use connect-retry-max 1 for one attempt";

    private static (HttpProxyAuth, AuthUserPassSettings?) AuthFromFile(ParseState s, ConfigLine l)
    {
        string method = l.ArgCount > 3 ? l.Arg(3) : "basic";
        return method switch
        {
            "none" => (HttpProxyAuth.None, null),
            "basic" => (HttpProxyAuth.Basic, Credentials(s, l, 2)),
            "ntlm" or "ntlm2" => throw l.Error(
                $"'{method}' proxy authentication is not supported by SharpVPN (NTLMv1 is deprecated in OpenVPN 2.6 and dropped in 2.7); use basic, or auto to take what the proxy asks for"),
            _ => throw l.Error($"'{method}' is not a known HTTP proxy authentication method (none, basic)"),
        };
    }

    /// <summary>A two-line credentials file, an inline block, or "stdin" for asking on the terminal.</summary>
    private static AuthUserPassSettings Credentials(ParseState s, ConfigLine l, int index)
    {
        if (!l.IsInline && l.Arg(index) == "stdin")
        {
            return new AuthUserPassSettings(null, null, null);
        }

        return AuthUserPassSettings.FromText(s.ReadFileArg(l, index), l.IsInline ? null : s.ResolvePath(l.Arg(index)))
            ?? throw l.Error($"{(l.IsInline ? "inline block" : $"file '{l.Arg(index)}'")} has no user name on its first line");
    }
}

/// <summary>The http-proxy-option values given so far, applied to the connection's http-proxy.</summary>
internal sealed record HttpProxyExtras(string HttpVersion, string? UserAgent, IReadOnlyList<HttpProxyHeader> Headers, ConfigLine? FirstLine)
{
    public static readonly HttpProxyExtras Default = new("1.0", null, [], null);
}
