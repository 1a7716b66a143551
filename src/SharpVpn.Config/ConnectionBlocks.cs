namespace SharpVpn.Config;

/// <summary>
/// OpenVPN's <c>&lt;connection&gt;</c> blocks (options.c, option "connection"): each block is one server to try, with
/// its own connection options. A block starts from the connection options given before it, its lines override them,
/// and it must name exactly one <c>remote</c>. Once a config has blocks, plain <c>remote</c> lines are not used and
/// connection options after the first block are ignored with a warning, as OpenVPN does.
/// </summary>
internal static class ConnectionBlocks
{
    /// <summary>The options OpenVPN 2.6 accepts inside a block (those checked with OPT_P_CONNECTION).</summary>
    public static readonly HashSet<string> Allowed = new(StringComparer.Ordinal)
    {
        "bind", "connect-retry", "connect-retry-max", "connect-timeout", "explicit-exit-notify", "float", "fragment",
        "http-proxy", "http-proxy-option", "http-proxy-retry", "http-proxy-timeout", "key-direction", "link-mtu", "local",
        "lport", "max-packet-size", "mssfix", "mtu-disc", "mtu-dynamic", "nobind", "port", "proto", "remote", "rport",
        "server-poll-timeout", "socks-proxy", "socks-proxy-retry", "tls-auth", "tls-crypt", "tls-crypt-v2", "tun-mtu",
        "tun-mtu-extra", "tun-mtu-max", "udp-mtu",
    };

    /// <summary>
    /// Parses one block: its lines are applied to <paramref name="s"/> as if written at this point, the result is
    /// read out as a remote with its settings, and everything the block changed is put back.
    /// </summary>
    public static void Parse(ParseState s, ConfigLine block, Action<ParseState, ConfigLine> apply)
    {
        if (s.IsServerConfig)
        {
            throw block.Error("cannot be used in a server config (OpenVPN: '<connection> cannot be used with --mode server')");
        }

        ConnectionState saved = ConnectionState.Capture(s);
        var outerRemotes = s.Remotes;
        s.Remotes = [];
        s.InConnectionBlock = true;
        try
        {
            foreach (ConfigLine raw in ConfigTokenizer.Tokenize(block.Arg(0), block.SourceName))
            {
                // The block's text starts on the line after its opening tag.
                ConfigLine line = raw with { LineNumber = block.LineNumber + raw.LineNumber };
                if (!Allowed.Contains(line.Name))
                {
                    throw line.Error("is not allowed inside a <connection> block (only connection options such as remote, proto, port, nobind may be there)");
                }

                apply(s, line);
            }

            if (s.Remotes.Count != 1)
            {
                throw block.Error($"each <connection> block must contain exactly one 'remote' (this one has {s.Remotes.Count})");
            }

            var r = s.Remotes[0];
            var remote = new RemoteEndpoint(r.Host, r.Port ?? s.RemotePort ?? s.Port ?? 1194, r.Protocol ?? s.Protocol ?? TransportProtocol.Udp,
                r.Protocol is null ? s.Family : r.Family)
            {
                Block = new ConnectionBlockSettings
                {
                    Line = block.LineNumber,
                    Nobind = s.Nobind,
                    LocalAddress = s.Local,
                    LocalPort = ConfigParser.ClientBindPort(s),
                    ConnectRetrySeconds = s.ConnectRetrySeconds,
                    ConnectRetryMaxSeconds = s.ConnectRetryMaxSeconds,
                    ServerPollTimeoutSeconds = s.ServerPollTimeoutSeconds,
                    ExplicitExitNotify = s.ExplicitExitNotify,
                },
            };
            (HttpProxySettings? http, SocksProxySettings? socks) =
                ConfigParser.BuildProxies(s, remote.Protocol, r.Protocol is null ? null : r.Line);
            remote = remote with { Block = remote.Block with { HttpProxy = http, SocksProxy = socks } };
            if (s.ProtoIsServerRole == true)
            {
                throw s.ProtoLine!.Error($"'{s.ProtoLine!.Arg(0)}' is a server protocol; a client uses tcp or tcp-client");
            }

            s.Connections.Add((remote, block, ConnectionState.Capture(s).Shared));
        }
        finally
        {
            s.InConnectionBlock = false;
            s.Remotes = outerRemotes;
            saved.Restore(s);
        }
    }

    /// <summary>
    /// The options SharpVPN keeps for the whole client (one tun device, one control-channel key): blocks may set
    /// them only when every block ends up with the same value, which then applies as if set outside the blocks.
    /// </summary>
    public static void ApplyShared(ParseState s)
    {
        if (s.Connections.Count == 0)
        {
            return;
        }

        SharedOptions first = s.Connections[0].Shared;
        foreach (var (_, line, shared) in s.Connections)
        {
            string? differs = first.FirstDifference(shared);
            if (differs is not null)
            {
                throw line.Error(
                    $"sets '{differs}' differently from the first <connection> block (line {s.Connections[0].Line.LineNumber}); SharpVPN uses one value for all servers, so set it once outside the blocks");
            }
        }

        first.Restore(s);
    }

    /// <summary>Every connection option a block may change, to put back after it.</summary>
    private sealed record ConnectionState(
        TransportProtocol? Protocol, AddressFamilyPreference Family, ConfigLine? ProtoLine, bool? ProtoIsServerRole, int? Port,
        int? LocalPort, int? RemotePort, string? Local, bool Nobind, bool BindDefined, int ConnectRetrySeconds,
        int ConnectRetryMaxSeconds, int ServerPollTimeoutSeconds, int ExplicitExitNotify,
        (ConfigLine Line, string Server, int Port, HttpProxyAuth Auth, AuthUserPassSettings? Credentials)? HttpProxy, HttpProxyExtras HttpProxyExtras,
        (ConfigLine Line, SocksProxySettings Settings)? SocksProxy, SharedOptions Shared)
    {
        public static ConnectionState Capture(ParseState s) => new(
            s.Protocol, s.Family, s.ProtoLine, s.ProtoIsServerRole, s.Port, s.LocalPort, s.RemotePort, s.Local, s.Nobind, s.BindDefined,
            s.ConnectRetrySeconds, s.ConnectRetryMaxSeconds, s.ServerPollTimeoutSeconds, s.ExplicitExitNotify, s.HttpProxy, s.HttpProxyExtras,
            s.SocksProxy, SharedOptions.Capture(s));

        public void Restore(ParseState s)
        {
            (s.Protocol, s.Family, s.ProtoLine, s.ProtoIsServerRole, s.Port) = (Protocol, Family, ProtoLine, ProtoIsServerRole, Port);
            (s.LocalPort, s.RemotePort, s.Local, s.Nobind, s.BindDefined) = (LocalPort, RemotePort, Local, Nobind, BindDefined);
            (s.ConnectRetrySeconds, s.ConnectRetryMaxSeconds) = (ConnectRetrySeconds, ConnectRetryMaxSeconds);
            (s.ServerPollTimeoutSeconds, s.ExplicitExitNotify) = (ServerPollTimeoutSeconds, ExplicitExitNotify);
            (s.HttpProxy, s.HttpProxyExtras, s.SocksProxy) = (HttpProxy, HttpProxyExtras, SocksProxy);
            Shared.Restore(s);
        }
    }
}

/// <summary>Connection options that are one per client in SharpVPN (see <see cref="ConnectionBlocks.ApplyShared"/>).</summary>
internal sealed record SharedOptions(
    (string Text, string Source, int? Direction)? TlsAuth, StaticKeyText? TlsCrypt, StaticKeyText? TlsCryptV2, int? KeyDirection,
    bool KeyDirectionBidirectional, int TunMtu, int? MssFix, MssFixMode MssFixMode, bool Float, int? ConnectRetryAttempts)
{
    public static SharedOptions Capture(ParseState s) => new(
        s.TlsAuth, s.TlsCrypt, s.TlsCryptV2, s.KeyDirection, s.KeyDirectionBidirectional, s.TunMtu, s.MssFix, s.MssFixMode, s.Float,
        s.ConnectRetryAttempts);

    public void Restore(ParseState s)
    {
        (s.TlsAuth, s.TlsCrypt, s.TlsCryptV2, s.KeyDirection, s.KeyDirectionBidirectional) = (TlsAuth, TlsCrypt, TlsCryptV2, KeyDirection, KeyDirectionBidirectional);
        (s.TunMtu, s.MssFix, s.MssFixMode, s.Float, s.ConnectRetryAttempts) = (TunMtu, MssFix, MssFixMode, Float, ConnectRetryAttempts);
    }

    /// <summary>The option name of the first field that differs, or null.</summary>
    public string? FirstDifference(SharedOptions o) =>
        // Keys compare by their text: the same key file or inline block in two blocks is the same key.
        (TlsAuth?.Text, TlsAuth?.Direction) != (o.TlsAuth?.Text, o.TlsAuth?.Direction) ? "tls-auth"
        : TlsCrypt?.Text != o.TlsCrypt?.Text ? "tls-crypt"
        : TlsCryptV2?.Text != o.TlsCryptV2?.Text ? "tls-crypt-v2"
        : KeyDirection != o.KeyDirection || KeyDirectionBidirectional != o.KeyDirectionBidirectional ? "key-direction"
        : TunMtu != o.TunMtu ? "tun-mtu"
        : MssFix != o.MssFix || MssFixMode != o.MssFixMode ? "mssfix"
        : Float != o.Float ? "float"
        : ConnectRetryAttempts != o.ConnectRetryAttempts ? "connect-retry-max"
        : null;
}
