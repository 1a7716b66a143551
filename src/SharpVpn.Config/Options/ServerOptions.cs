namespace SharpVpn.Config;

/// <summary>Multi-client server behaviour, keepalive timers and exit notification.</summary>
internal static class ServerOptions
{
    private const string PamPluginFile = "openvpn-plugin-auth-pam.so";

    public static readonly OptionDefinition[] Definitions =
    [
        new("ifconfig-pool-persist", 1, 2, static (s, l) =>
            {
                s.IfconfigPoolPersistFile = s.ResolvePath(l.Arg(0));
                if (l.ArgCount > 1)
                {
                    s.IfconfigPoolPersistSeconds = ParseState.Int(l, 1, 0, int.MaxValue);
                }
            }, "ifconfig-pool-persist FILE [SECONDS]: remember client addresses across restarts (0 = read only)", OptionScope.Server),
        new("client-config-dir", 1, 1, static (s, l) => s.ClientConfigDir = s.ResolvePath(l.Arg(0)),
            "client-config-dir DIR: per-client files named after the client's common name (the CN, x509-username-field, or username-as-common-name)", OptionScope.Server),
        new("ccd-exclusive", 0, 0, static (s, _) => s.CcdExclusive = true, "refuse clients without a client-config-dir file", OptionScope.Server),
        new("client-to-client", 0, 0, static (s, _) => s.ClientToClient = true, "route packets between clients inside the server", OptionScope.Server),
        new("username-as-common-name", 0, 0, static (s, l) => s.UsernameAsCommonName = l,
            "name each client by the username auth-user-pass-verify accepted instead of its certificate CN", OptionScope.Server),
        new("port-share", 2, 3, static (s, l) => s.PortShare = (l, new PortShareSettings(l.Arg(0), ParseState.PortNumber(l, 1),
                l.ArgCount > 2 ? s.ResolvePath(l.Arg(2)) : null)),
            "port-share HOST PORT [DIR]: relay TCP connections that are not OpenVPN (e.g. HTTPS) to HOST:PORT", OptionScope.Server),
        new("plugin", 1, 2, static (s, l) =>
            {
                // Ignoring a plugin (PAM, LDAP, down-root) would let clients in unchecked or skip what it does: only
                // the auth-pam plugin is understood, and SharpVPN does its PAM conversation itself.
                if (Path.GetFileName(l.Arg(0)) != PamPluginFile)
                {
                    throw l.Error($"only OpenVPN's {PamPluginFile} is supported (SharpVPN talks to PAM itself); for other plugins use an auth-user-pass-verify script");
                }

                string[] words = l.ArgCount > 1 ? l.Arg(1).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
                if (words.Length != 1)
                {
                    throw l.Error(words.Length == 0
                        ? $"{PamPluginFile} needs the PAM service name, e.g. 'plugin {l.Arg(0)} login'"
                        : "auth-pam's name/value prompt pairs are not supported: the PAM service's prompts are answered with the username (echo on) and the password (echo off)");
                }

                s.PamPlugin = (l, words[0]);
            }, "plugin .../openvpn-plugin-auth-pam.so SERVICE: check each client's username/password with PAM", OptionScope.Server),
        new("duplicate-cn", 0, 0, static (s, _) => s.DuplicateCn = true, "allow several clients with the same CN at once", OptionScope.Server),
        new("auth-user-pass-verify", 2, 2, static (s, l) =>
                s.AuthUserPassVerify = (l.Arg(0), l.Arg(1) switch
                {
                    "via-env" => true,
                    "via-file" => false,
                    _ => throw l.Error($"method '{l.Arg(1)}' is neither via-file nor via-env"),
                }, l),
            "auth-user-pass-verify CMD via-file|via-env: a program accepts (exit 0) or refuses each client's username/password", OptionScope.Server),
        new("client-connect", 1, 1, static (s, l) => s.ClientConnect = (l.Arg(0), l),
            "client-connect CMD: a program run as each client connects (exit 0 = admit); it may write ccd directives to the file in $1", OptionScope.Server),
        new("client-disconnect", 1, 1, static (s, l) => s.ClientDisconnect = (l.Arg(0), l),
            "client-disconnect CMD: a program run as each connected client goes (bytes_received, bytes_sent, time_duration)", OptionScope.Server),
        new("learn-address", 1, 1, static (s, l) => s.LearnAddress = (l.Arg(0), l),
            "learn-address CMD: a program run as a client's addresses start (add ADDR CN) and stop (delete ADDR) being routed to it", OptionScope.Server),
        new("tls-crypt-v2-verify", 1, 1, static (s, l) => s.TlsCryptV2Verify = (l.Arg(0), l),
            "tls-crypt-v2-verify CMD: a program that accepts (exit 0) or refuses each tls-crypt-v2 client key by its metadata", OptionScope.Server),
        new("auth-gen-token", 0, 3, static (s, l) =>
            {
                int lifetime = l.ArgCount > 0 ? ParseState.Int(l, 0, 0, int.MaxValue) : 0;
                int? renewal = null;
                bool externalAuth = false;
                for (int i = 1; i < l.ArgCount; i++)
                {
                    if (i == 1 && int.TryParse(l.Arg(i), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                    {
                        renewal = ParseState.Int(l, i, 1, int.MaxValue);
                    }
                    else if (l.Arg(i) == "external-auth")
                    {
                        externalAuth = true;
                    }
                    else
                    {
                        throw l.Error($"'{l.Arg(i)}' is neither a renewal time in seconds nor external-auth");
                    }
                }

                s.AuthGenToken = (lifetime, renewal, externalAuth, l);
            }, "auth-gen-token [LIFETIME] [RENEWAL] [external-auth]: push a session token after a password login, used at renegotiations and reconnects", OptionScope.Server),
        new("auth-gen-token-secret", 1, 1, static (s, l) =>
            {
                string text = s.ReadFileArg(l);
                if (!text.Contains("-----BEGIN OpenVPN auth-token server key-----", StringComparison.Ordinal))
                {
                    string what = l.IsInline ? "the inline block" : $"file '{l.Arg(0)}'";
                    throw l.Error($"{what} is not an OpenVPN auth-token server key (make one with 'sharpvpn genkey auth-token FILE')");
                }

                s.AuthGenTokenSecret = new StaticKeyText(text, s.SourceOf(l));
            }, "auth-gen-token-secret FILE: the key that signs auth-gen-token tokens, so they survive a server restart", OptionScope.Server, AllowsInline: true),
        new("tmp-dir", 1, 1, static (s, l) => s.TmpDir = s.ResolvePath(l.Arg(0)),
            "tmp-dir DIR: where auth-user-pass-verify via-file credential files go (default $TMPDIR or /tmp)"),
        new("max-clients", 1, 1, static (s, l) => s.MaxClients = ParseState.Int(l, 0, 1, 65536), "max-clients N (default 1024)", OptionScope.Server),
        new("connect-freq", 2, 2, static (s, l) =>
                s.ConnectFrequency = new ConnectFrequency(ParseState.Int(l, 0, 1, int.MaxValue), ParseState.Int(l, 1, 1, 86400)),
            "connect-freq N SECONDS: allow at most N new connections per SECONDS", OptionScope.Server),
        new("explicit-exit-notify", 0, 1, static (s, l) =>
                s.ExplicitExitNotify = l.ArgCount > 0 ? ParseState.Int(l, 0, 0, 100) : 1,
            "explicit-exit-notify [N]: tell the peer when shutting down (UDP)"),
        new("keepalive", 2, 2, static (s, l) =>
            {
                int interval = ParseState.Int(l, 0, 1, 86400);
                int timeout = ParseState.Int(l, 1, 1, 86400);
                if (interval * 2 > timeout)
                {
                    throw l.Error($"the timeout ({timeout}) must be at least twice the ping interval ({interval}); 'keepalive 10 60' is a good choice");
                }

                s.Keepalive = (interval, timeout, l);
            }, "keepalive N M: ping every N s, restart after M s of silence (servers push it to clients)"),
        new("ping", 1, 1, static (s, l) => s.Ping = ParseState.Int(l, 0, 0, 86400), "ping N: send a ping after N s of silence"),
        // ping-restart and ping-exit are one timer in OpenVPN (ping_rec_timeout and its action): the last one given wins.
        new("ping-restart", 1, 1, static (s, l) => (s.PingRestart, s.PingExit) = (ParseState.Int(l, 0, 0, 86400), null),
            "ping-restart N: restart after N s without packets"),
        new("ping-exit", 1, 1, static (s, l) => (s.PingExit, s.PingRestart) = (ParseState.Int(l, 0, 0, 86400), null),
            "ping-exit N: exit after N s without packets"),
        new("inactive", 1, 2, static (s, l) =>
            {
                s.InactiveSeconds = ParseState.Int(l, 0, 0, 86400 * 365);
                // options.c: a negative BYTES is 0; values above 2 GB are taken as they are in 2.6.
                s.InactiveMinimumBytes = l.ArgCount > 1
                    ? (long.TryParse(l.Arg(1), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out long b)
                        ? Math.Max(0, b)
                        : throw l.Error($"'{l.Arg(1)}' is not a number of bytes"))
                    : 0;
            }, "inactive N [BYTES]: end the connection after N s without tunnel traffic (or less than BYTES in N s)"),
        new("session-timeout", 1, 1, static (s, l) => s.SessionTimeoutSeconds = ParseState.Int(l, 0, 0, 86400 * 365),
            "session-timeout N: end each connection N s after it started"),
        new("ping-timer-rem", 0, 0, static (s, _) => s.PingTimerRemote = true, "run ping-restart only when a remote address is known"),
    ];
}
