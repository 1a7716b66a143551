namespace SharpVpn.Config;

/// <summary>Privileges, persistence, logging, status file and the management interface.</summary>
internal static class ProcessOptions
{
    public static readonly OptionDefinition[] Definitions =
    [
        new("persist-key", 0, 0, static (s, _) => s.PersistKey = true, "keep keys across restarts"),
        new("persist-tun", 0, 0, static (s, _) => s.PersistTun = true, "keep the tun device across restarts"),
        new("persist-local-ip", 0, 0, static (_, _) => { }, "keep the local address across restarts"),
        new("persist-remote-ip", 0, 0, static (_, _) => { }, "keep the remote address across restarts"),
        new("user", 1, 1, static (s, l) => s.User = l.Arg(0), "user NAME: drop privileges after setup"),
        new("group", 1, 1, static (s, l) => s.Group = l.Arg(0), "group NAME: drop privileges after setup"),
        new("status", 1, 2, static (s, l) =>
            {
                s.StatusFile = s.ResolvePath(l.Arg(0));
                if (l.ArgCount > 1)
                {
                    s.StatusIntervalSeconds = ParseState.Int(l, 1, 1, 86400);
                }
            }, "status FILE [SECONDS]: write the status file every SECONDS (default 60)"),
        new("config", 1, 1, static (_, l) => throw l.Error("takes a file name, not an inline block"),
            "config FILE: read more options from FILE here (nested at most 10 deep)"),
        new("status-version", 1, 1, static (s, l) => s.StatusVersion = ParseState.Int(l, 0, 1, 3), "status-version 1|2|3"),
        new("log", 1, 1, static (s, l) =>
            {
                s.LogFile = s.ResolvePath(l.Arg(0));
                s.LogAppend = false;
            }, "log FILE: log to FILE (truncated at start)"),
        new("log-append", 1, 1, static (s, l) =>
            {
                s.LogFile = s.ResolvePath(l.Arg(0));
                s.LogAppend = true;
            }, "log-append FILE: log to FILE (appended)"),
        new("verb", 1, 1, static (s, l) => s.Verb = ParseState.Int(l, 0, 0, 15), "verb 0..15: log verbosity (default 1)"),
        new("mute", 1, 1, static (s, l) => s.Mute = ParseState.Int(l, 0, 0, int.MaxValue), "mute N: at most N repeats of the same message"),
        new("suppress-timestamps", 0, 0, static (s, _) => s.SuppressTimestamps = true, "no timestamps in the log (journald and syslog add their own)"),
        new("machine-readable-output", 0, 0, static (s, _) => s.MachineReadableOutput = true,
            "log lines start with Unix time in microseconds and the message's level: '1795969921.197120 1 message'"),
        new("writepid", 1, 1, static (s, l) => s.WritePidFile = s.ResolvePath(l.Arg(0)), "writepid FILE: write the process id"),
        new("management", 2, 3, static (s, l) =>
            {
                string? password = null;
                string? passwordFile = null;
                if (l.ArgCount > 2)
                {
                    if (l.Arg(2) == "stdin")
                    {
                        throw l.Error("reading the management password from stdin is not supported by SharpVPN; give a password file");
                    }

                    passwordFile = s.ResolvePath(l.Arg(2));
                    string text = s.ReadFileArg(l, 2);
                    int end = text.IndexOfAny(['\r', '\n']);
                    password = end < 0 ? text : text[..end];
                }

                if (l.Arg(1) == "unix")
                {
                    s.Management = new ManagementSettings(l.Arg(0), 0, s.ResolvePath(l.Arg(0)), passwordFile, password);
                    return;
                }

                int port = ParseState.PortNumber(l, 1, allowZero: true);
                if (!Ipv4.TryParse(l.Arg(0), out uint _) && l.Arg(0) != "localhost" && !l.Arg(0).Contains(':', StringComparison.Ordinal))
                {
                    throw l.Error($"'{l.Arg(0)}' is not an IP address");
                }

                s.Management = new ManagementSettings(l.Arg(0), port, null, passwordFile, password);
            }, "management IP PORT [PWFILE] | management SOCKET unix [PWFILE]"),
        new("script-security", 1, 1, static (s, l) => s.ScriptSecurity = ParseState.Int(l, 0, 0, 3),
            "script-security 0..3: 2 allows auth-user-pass-verify via-file, 3 also via-env (default 1)"),
        new("up", 1, 1, static (s, l) => s.Up = (l.Arg(0), l),
            "up CMD: a program run once the tun device is configured (args: dev tun_mtu 0 local remote|netmask init)"),
        new("down", 1, 1, static (s, l) => s.Down = (l.Arg(0), l),
            "down CMD: a program run after the tun device is closed (same args as up)"),
        new("route-up", 1, 1, static (s, l) => s.RouteUp = (l.Arg(0), l),
            "route-up CMD: a program run once the routes are in place (no args; up's variables and redirect_gateway)"),
        new("route-pre-down", 1, 1, static (s, l) => s.RoutePreDown = (l.Arg(0), l),
            "route-pre-down CMD: a program run before the routes are removed (same args as down)"),
        new("ipchange", 1, 1, static (s, l) => s.Ipchange = (l.Arg(0), l),
            "ipchange CMD: a program run as the client's connection to a server is established (args: IP PORT)", OptionScope.Client),
        new("up-restart", 0, 0, static (s, _) => s.UpRestart = true,
            "up-restart: on a reconnect that keeps the tun device (persist-tun), run down and up again with 'restart'"),
        new("down-pre", 0, 0, static (s, _) => s.DownPre = true, "down-pre: run down before the tun device is closed"),
        new("disable-dco", 0, 0, static (s, _) => s.DisableDco = true, "disable-dco (accepted: there is no kernel offload)"),
        new("setenv", 1, 2, static (s, l) =>
            {
                // options.c: "setenv PUSH_PEER_INFO" is push-peer-info (OpenVPN Access Server profiles carry it).
                if (l.Arg(0) == "PUSH_PEER_INFO" && l.ArgCount == 1)
                {
                    s.PushPeerInfo = true;
                }

                s.SetEnv.Add(new(l.Arg(0), l.OptionalArg(1) ?? string.Empty));
            }, "setenv NAME [VALUE]"),
        new("push-peer-info", 0, 0, static (s, _) => s.PushPeerInfo = true,
            "push-peer-info: also tell the server IV_SSL, IV_PLAT_VER and the setenv UV_* variables", OptionScope.Client),
        new("setenv-safe", 1, 2, static (s, l) => s.SetEnv.Add(new("OPENVPN_" + l.Arg(0), l.OptionalArg(1) ?? string.Empty)), "setenv-safe NAME [VALUE]"),
        new("cd", 1, 1, static (s, l) =>
            {
                string dir = s.ResolvePath(l.Arg(0));
                if (!Directory.Exists(dir))
                {
                    throw l.Error($"directory '{l.Arg(0)}' does not exist ({dir})");
                }

                s.BaseDirectory = dir;
            }, "cd DIR: resolve later relative paths from DIR"),
        new("daemon", 0, 1, static (s, l) => s.Warn(l, "is ignored: run SharpVPN under systemd ('sharpvpn service install') instead"), "daemon (ignored)"),
        new("syslog", 0, 1, static (s, l) => s.Warn(l, "is not supported by SharpVPN and is ignored; logs go to stdout/journald or 'log'"), "syslog (ignored)"),
        new("nice", 1, 1, static (s, l) => s.Warn(l, "is not supported by SharpVPN and is ignored"), "nice (ignored)"),
        new("mlock", 0, 0, static (s, l) => s.Warn(l, "is not supported by SharpVPN and is ignored"), "mlock (ignored)"),
        new("chroot", 1, 1, static (s, l) => s.Warn(l, "is not supported by SharpVPN and is ignored; the systemd unit's sandboxing applies instead"), "chroot (ignored)"),
        new("ignore-unknown-option", 1, 16, static (s, l) => s.IgnoreUnknown.UnionWith(l.Args), "ignore-unknown-option NAME...: warn instead of failing on these options"),
    ];
}
