namespace SharpVpn.Config;

/// <summary>Process-level options: privileges, persistence, script security, environment.</summary>
public sealed record ProcessSettings
{
    /// <summary><c>user</c>: drop to this user after the TUN is open.</summary>
    public string? User { get; init; }

    public string? Group { get; init; }

    public bool PersistKey { get; init; }

    public bool PersistTun { get; init; }

    /// <summary><c>script-security 0..3</c>, default 1: 2 lets auth-user-pass-verify run (via-file), 3 also via-env.</summary>
    public int ScriptSecurity { get; init; } = 1;

    /// <summary><c>disable-dco</c>: accepted, there is no kernel offload to disable.</summary>
    public bool DisableDco { get; init; }

    /// <summary><c>setenv NAME VALUE</c> pairs in file order (<c>setenv opt ...</c> lines are handled as options instead).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SetEnv { get; init; } = [];

    /// <summary><c>up CMD</c>: program and arguments (absolute program path), run once the tun device is configured; null = none.</summary>
    public IReadOnlyList<string>? Up { get; init; }

    /// <summary><c>down CMD</c>: program and arguments, run after the tun device is closed; null = none.</summary>
    public IReadOnlyList<string>? Down { get; init; }

    /// <summary><c>route-up CMD</c>: program and arguments, run once the routes are in place; null = none.</summary>
    public IReadOnlyList<string>? RouteUp { get; init; }

    /// <summary><c>route-pre-down CMD</c>: program and arguments, run before the routes are removed; null = none.</summary>
    public IReadOnlyList<string>? RoutePreDown { get; init; }

    /// <summary><c>ipchange CMD</c> (client): program and arguments, run as a connection to a server is established; null = none.</summary>
    public IReadOnlyList<string>? Ipchange { get; init; }

    /// <summary><c>up-restart</c>: on a client reconnect that keeps the tun device, run down and up again ("restart").</summary>
    public bool UpRestart { get; init; }

    /// <summary><c>down-pre</c>: run down before the tun device is closed.</summary>
    public bool DownPre { get; init; }

    /// <summary>Whether any of up, down, route-up, route-pre-down is configured.</summary>
    public bool HasTunScripts => Up is not null || Down is not null || RouteUp is not null || RoutePreDown is not null;
}
