using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The HTTP CONNECT exchange on a TCP connection already open to the proxy, as OpenVPN's client does it (proxy.c
/// establish_http_proxy_passthru): the request line <c>CONNECT host:port HTTP/1.0</c>, custom headers, <c>Host</c>,
/// <c>User-Agent</c>, <c>Proxy-Authorization</c>; then the proxy's status line (200 = tunnel open) and its headers.
/// A 407 under 'auto' tells which method the proxy wants, and the caller connects again with it. Bytes are read one at
/// a time, so nothing of the OpenVPN stream that follows the headers is taken from the socket.
/// </summary>
public sealed class HttpProxyHandshake : ProxyHandshake
{
    private const int MaxLineLength = 8192;
    private const int MaxHeaderLines = 100;

    private readonly HttpProxySettings _settings;

    public HttpProxyHandshake(HttpProxySettings settings, Func<(string Username, string Password)> credentials)
        : base(credentials)
    {
        _settings = settings;
        Method = settings.Auth == HttpProxyAuth.Basic ? HttpProxyAuth.Basic : HttpProxyAuth.None;
    }

    /// <summary>The method sent with the next CONNECT: from the config, or learnt from the proxy's 407 under 'auto'.</summary>
    public HttpProxyAuth Method { get; private set; }

    /// <summary>Log lines (OpenVPN's "Send to HTTP proxy" / "HTTP proxy returned" messages); null = none.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>The CONNECT; false when the proxy wants the method now in <see cref="Method"/> ('auto').</summary>
    protected override bool Exchange(Stream stream, string host, int port)
    {
        byte[] request = Encoding.UTF8.GetBytes(BuildRequest(host, port));
        stream.Write(request);
        Array.Clear(request); // it may hold the password

        string status = ReadLine(stream) ?? throw new ProxyException("the HTTP proxy closed the connection without an answer");
        status = Printable(status);
        Log?.Invoke($"HTTP proxy returned: '{status}'");
        int code = StatusCode(status);
        List<string> headers = ReadHeaders(stream);
        if (code == 200)
        {
            return true;
        }

        // 407 asks for credentials; some proxies (tinyproxy) answer wrong ones with 401 instead.
        if (code == 407 || (code == 401 && Method == HttpProxyAuth.Basic))
        {
            return OnAuthenticationRequired(status, headers);
        }

        throw new ProxyException($"HTTP proxy returned bad status: '{status}'");
    }

    /// <summary>The request, CRLF line ends, ending with the empty line.</summary>
    internal string BuildRequest(string host, int port)
    {
        string target = IPAddress.TryParse(host, out IPAddress? a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{host}]" : host;
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"CONNECT {target}:{port} HTTP/{_settings.HttpVersion}\r\n");
        Log?.Invoke($"Send to HTTP proxy: 'CONNECT {target}:{port} HTTP/{_settings.HttpVersion}'");
        bool hostSent = false;
        foreach (HttpProxyHeader header in _settings.CustomHeaders)
        {
            request.Append(header.Line).Append("\r\n");
            hostSent |= header.Content is null
                ? header.Name.StartsWith("Host:", StringComparison.OrdinalIgnoreCase)
                : header.Name.Equals("Host", StringComparison.OrdinalIgnoreCase);
        }

        if (!hostSent)
        {
            request.Append(CultureInfo.InvariantCulture, $"Host: {target}\r\n");
        }

        if (_settings.UserAgent is { } agent)
        {
            request.Append(CultureInfo.InvariantCulture, $"User-Agent: {agent}\r\n");
        }

        if (Method == HttpProxyAuth.Basic)
        {
            (string user, string pass) = UserAndPassword();
            string token = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{pass}"));
            request.Append(CultureInfo.InvariantCulture, $"Proxy-Authorization: Basic {token}\r\n");
            Log?.Invoke("Attempting Basic Proxy-Authorization");
        }

        return request.Append("\r\n").ToString();
    }

    private bool OnAuthenticationRequired(string status, List<string> headers)
    {
        if (Method == HttpProxyAuth.Basic)
        {
            throw new ProxyException(_settings.Auth == HttpProxyAuth.Basic || _settings.Credentials is not null
                ? $"the HTTP proxy refused our user name and password ('{status}')"
                : $"the HTTP proxy refused the user name and password typed ('{status}')");
        }

        if (_settings.Auth is not (HttpProxyAuth.Auto or HttpProxyAuth.AutoNoCleartext))
        {
            throw new ProxyException(
                $"the HTTP proxy requires authentication ('{status}'): give 'http-proxy {_settings.Server} {_settings.Port} AUTHFILE' (basic) or 'auto'");
        }

        // Which methods the proxy offers: one Proxy-Authenticate header per method (RFC 9110), scheme first.
        var offered = headers
            .Where(h => h.StartsWith("Proxy-Authenticate:", StringComparison.OrdinalIgnoreCase))
            .Select(h => h["Proxy-Authenticate:".Length..].Trim())
            .ToList();
        if (offered.Any(h => h.StartsWith("Basic", StringComparison.OrdinalIgnoreCase)))
        {
            if (_settings.Auth == HttpProxyAuth.AutoNoCleartext)
            {
                throw new ProxyException(
                    "the HTTP proxy asks for Basic authentication, which sends the password in clear text, and 'auto-nct' forbids it");
            }

            Log?.Invoke($"HTTP proxy authenticate '{offered.First(h => h.StartsWith("Basic", StringComparison.OrdinalIgnoreCase))}'");
            Method = HttpProxyAuth.Basic;
            return false;
        }

        string schemes = offered.Count == 0 ? "no method at all" : string.Join(", ", offered.Select(h => h.Split(' ', 2)[0]));
        throw new ProxyException(
            $"the HTTP proxy asks for authentication SharpVPN does not do ({schemes}); it supports Basic");
    }

    private (string Username, string Password) UserAndPassword()
    {
        (string user, string pass) = Credentials();
        return user.Length > 0 ? (user, pass) : throw new ProxyException("the HTTP proxy user name is empty");
    }

    /// <summary>"HTTP/1.1 407 Proxy Authentication Required" → 407.</summary>
    internal static int StatusCode(string statusLine)
    {
        string[] words = statusLine.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length < 2 || !words[0].StartsWith("HTTP/", StringComparison.Ordinal)
            || !int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out int code))
        {
            throw new ProxyException($"the HTTP proxy answered something that is not HTTP: '{Printable(statusLine)}'");
        }

        return code;
    }

    /// <summary>Header lines up to the empty line that ends them.</summary>
    private static List<string> ReadHeaders(Stream stream)
    {
        var headers = new List<string>();
        while (true)
        {
            string line = ReadLine(stream) ?? throw new ProxyException("the HTTP proxy closed the connection in the middle of its answer");
            if (line.Length == 0)
            {
                return headers;
            }

            if (headers.Count == MaxHeaderLines)
            {
                throw new ProxyException($"the HTTP proxy sent more than {MaxHeaderLines} header lines");
            }

            headers.Add(line);
        }
    }

    /// <summary>One line without its CR LF; null at end of stream before any byte.</summary>
    private static string? ReadLine(Stream stream)
    {
        var bytes = new List<byte>(128);
        while (true)
        {
            int b = stream.ReadByte();
            if (b < 0)
            {
                return bytes.Count == 0 ? null : throw new ProxyException("the HTTP proxy closed the connection in the middle of a line");
            }

            if (b == '\n')
            {
                if (bytes.Count > 0 && bytes[^1] == '\r')
                {
                    bytes.RemoveAt(bytes.Count - 1);
                }

                return Encoding.Latin1.GetString(bytes.ToArray());
            }

            if (bytes.Count == MaxLineLength)
            {
                throw new ProxyException($"the HTTP proxy sent a line longer than {MaxLineLength} bytes");
            }

            bytes.Add((byte)b);
        }
    }

    /// <summary>The proxy's text made safe for a log line: printable ASCII, at most 80 characters.</summary>
    private static string Printable(string text)
    {
        string shown = text.Length > 80 ? text[..80] + "..." : text;
        return new string([.. shown.Select(c => c < ' ' || c > '~' ? '?' : c)]);
    }
}
