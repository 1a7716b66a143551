namespace SharpVpn.Config;

public static partial class ConfigParser
{
    /// <summary>
    /// The http-proxy and socks-proxy of the connection options now in <paramref name="s"/> (the config's own, or a
    /// &lt;connection&gt; block's), checked against the remote they are for; nulls without them.
    /// </summary>
    internal static (HttpProxySettings? Http, SocksProxySettings? Socks) BuildProxies(ParseState s, TransportProtocol protocol, ConfigLine? remoteLine)
    {
        HttpProxySettings? http = BuildHttpProxy(s, protocol, remoteLine);
        if (s.SocksProxy is not { } socks)
        {
            return (http, null);
        }

        if (http is not null)
        {
            throw socks.Line.Error($"cannot be used together with http-proxy (line {http.Line}); choose one proxy");
        }

        // Over UDP the client asks the proxy for a UDP relay (UDP ASSOCIATE), as OpenVPN does.
        return (null, socks.Settings);
    }

    private static HttpProxySettings? BuildHttpProxy(ParseState s, TransportProtocol protocol, ConfigLine? remoteLine)
    {
        if (s.HttpProxy is not { } proxy)
        {
            if (s.HttpProxyExtras.FirstLine is { } orphan)
            {
                throw orphan.Error("needs an 'http-proxy SERVER PORT' line to apply to");
            }

            return null;
        }

        if (protocol != TransportProtocol.Tcp)
        {
            // OpenVPN: "--http-proxy MUST be used in TCP Client mode (i.e. --proto tcp-client)".
            throw (remoteLine ?? proxy.Line).Error(
                "the server is reached over udp, but an HTTP proxy carries only TCP: use 'proto tcp-client' (or 'remote HOST PORT tcp')");
        }

        return new HttpProxySettings
        {
            Server = proxy.Server,
            Port = proxy.Port,
            Auth = proxy.Auth,
            // http-proxy-user-pass takes the place of the auth file (OpenVPN's auth_file_up), and serves 'auto' too.
            Credentials = proxy.Auth == HttpProxyAuth.None ? null : s.HttpProxyUserPass ?? proxy.Credentials,
            HttpVersion = s.HttpProxyExtras.HttpVersion,
            UserAgent = s.HttpProxyExtras.UserAgent,
            CustomHeaders = s.HttpProxyExtras.Headers,
            Line = proxy.Line.LineNumber,
        };
    }
}
