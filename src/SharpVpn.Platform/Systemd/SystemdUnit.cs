using System.Text;

namespace SharpVpn.Platform.Systemd;

/// <summary>
/// Writes and removes the systemd unit that starts the server at boot (the tutorial's step 11,
/// done for the user). The unit is Type=notify (the server calls <see cref="SystemdNotify.Ready"/>),
/// restarts on failure, and is hardened as far as a VPN server allows; the comments in the unit say
/// why each omitted setting is omitted.
/// </summary>
public static class SystemdUnit
{
    public const string DefaultUnitDirectory = "/etc/systemd/system";

    /// <summary>Capabilities the server needs: TUN + routes + nftables + forwarding sysctl (NET_ADMIN), ports below 1024 (NET_BIND_SERVICE), <c>user</c>/<c>group</c> (SETUID, SETGID).</summary>
    public static readonly IReadOnlyList<string> Capabilities = ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID"];

    /// <summary>True when systemd is the running init (sd_booted(3): /run/systemd/system exists).</summary>
    public static bool IsSystemdRunning => Directory.Exists("/run/systemd/system");

    /// <summary>The unit file path for <paramref name="name"/>.</summary>
    public static string UnitPath(string name, string unitDirectory = DefaultUnitDirectory) =>
        Path.Combine(unitDirectory, ValidateName(name) + ".service");

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="name"/> is a plain unit name (no path, no suffix).</summary>
    public static string ValidateName(string name)
    {
        if (name.EndsWith(".service", StringComparison.Ordinal))
        {
            name = name[..^".service".Length];
        }
        if (name.Length is 0 or > 200 || name.StartsWith('-') || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '_' or '.' or '@')))
        {
            throw new ArgumentException($"Service name '{name}' is not a valid systemd unit name (letters, digits, ':', '-', '_', '.', '@').", nameof(name));
        }
        return name;
    }

    /// <summary>
    /// The command that runs the current sharpvpn: the apphost itself, or "dotnet sharpvpn.dll" when started through dotnet.
    /// <paramref name="entryAssemblyPath"/> is the CLI's dll (for the dotnet case).
    /// </summary>
    public static IReadOnlyList<string> CurrentCommand(string entryAssemblyPath)
    {
        string process = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell the path of the running sharpvpn executable.");
        return Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? [Path.GetFullPath(process), Path.GetFullPath(entryAssemblyPath)]
            : [Path.GetFullPath(process)];
    }

    /// <summary>The unit file text.</summary>
    public static string Render(SystemdUnitOptions options)
    {
        string name = ValidateName(options.Name);
        string config = Path.GetFullPath(options.ConfigPath);
        string configDir = Path.GetDirectoryName(config) ?? "/";
        if (options.Command.Count == 0 || !Path.IsPathRooted(options.Command[0]))
        {
            throw new ArgumentException("The service command must start with an absolute executable path.", nameof(options));
        }
        var writable = new List<string> { Quote(configDir, exec: false) };
        foreach (string path in options.ReadWritePaths.Select(Path.GetFullPath).Distinct())
        {
            if (path != configDir && !path.StartsWith(configDir + "/", StringComparison.Ordinal))
            {
                writable.Add(Quote("-" + path, exec: false));
            }
        }
        bool underHome = new[] { config }.Concat(options.ReadWritePaths).Any(p =>
            IsUnder(Path.GetFullPath(p), "/home") || IsUnder(Path.GetFullPath(p), "/root") || IsUnder(Path.GetFullPath(p), "/run/user"));

        var sb = new StringBuilder();
        sb.Append("# Written by 'sharpvpn service install'; remove with 'sharpvpn service uninstall --name ").Append(name).Append("'.\n");
        sb.Append("[Unit]\n");
        sb.Append("Description=").Append(Escape(options.Description ?? $"SharpVPN server ({config})")).Append('\n');
        sb.Append("After=network-online.target\nWants=network-online.target\n\n");
        sb.Append("[Service]\n");
        sb.Append("# The server sends READY=1 after 'Initialization Sequence Completed'.\n");
        sb.Append("Type=notify\nNotifyAccess=main\n");
        sb.Append("ExecStart=").AppendJoin(' ', options.Command.Concat(["server", "--config", config]).Select(Quote)).Append('\n');
        sb.Append("# SIGHUP re-reads the CRL and client-config-dir without dropping clients.\n");
        sb.Append("ExecReload=/bin/kill -HUP $MAINPID\n");
        sb.Append("# Relative paths in the config (ca, cert, status, ...) resolve against its directory, as with openvpn.\n");
        // WorkingDirectory takes the rest of the line verbatim (no quotes), only specifiers need escaping.
        sb.Append("WorkingDirectory=").Append(Escape(configDir)).Append('\n');
        sb.Append("Restart=on-failure\nRestartSec=5s\nTimeoutStopSec=30s\n\n");
        sb.Append("# Hardening.\n");
        sb.Append("ProtectSystem=strict\n");
        sb.Append("ReadWritePaths=").AppendJoin(' ', writable).Append('\n');
        sb.Append(underHome ? "# The config lives under a home directory, so home directories stay visible.\nProtectHome=read-only\n" : "ProtectHome=yes\n");
        bool underTmp = new[] { config }.Concat(options.ReadWritePaths).Any(p => IsUnder(Path.GetFullPath(p), "/tmp") || IsUnder(Path.GetFullPath(p), "/var/tmp"));
        sb.Append(underTmp ? "# The config lives under /tmp, which a private /tmp would hide.\nPrivateTmp=no\n" : "PrivateTmp=yes\n");
        sb.Append("NoNewPrivileges=yes\n");
        sb.Append("# NET_ADMIN: TUN, routes, nftables, ip_forward; NET_BIND_SERVICE: ports < 1024; SETUID/SETGID: 'user'/'group'.\n");
        sb.Append("# No NET_RAW (no raw sockets or bind-to-device) and no DAC_OVERRIDE (keys must be readable by root as owner).\n");
        sb.Append("CapabilityBoundingSet=").AppendJoin(' ', Capabilities).Append('\n');
        sb.Append("DevicePolicy=closed\nDeviceAllow=/dev/net/tun rw\n");
        sb.Append("# ip and nft talk netlink; management may use a unix socket.\n");
        sb.Append("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX AF_NETLINK\n");
        sb.Append("RestrictNamespaces=yes\nRestrictRealtime=yes\nRestrictSUIDSGID=yes\nLockPersonality=yes\n");
        sb.Append("ProtectKernelModules=yes\nProtectKernelLogs=yes\nProtectControlGroups=yes\nProtectClock=yes\nProtectHostname=yes\n");
        sb.Append("SystemCallArchitectures=native\n");
        sb.Append("# Not set: ProtectKernelTunables (net.ipv4.ip_forward must be writable), MemoryDenyWriteExecute (the .NET JIT),\n");
        sb.Append("# PrivateDevices (hides /dev/net/tun), PrivateNetwork (it is a network service).\n");
        sb.Append("# RLIMIT_NPROC counts threads; .NET uses a few dozen.\n");
        sb.Append("LimitNPROC=512\nLimitNOFILE=65536\n\n");
        sb.Append("[Install]\nWantedBy=multi-user.target\n");
        return sb.ToString();
    }

    /// <summary>Writes the unit atomically (temp file in the same directory, then rename); returns its path.</summary>
    public static string Install(SystemdUnitOptions options, string unitDirectory = DefaultUnitDirectory)
    {
        string path = UnitPath(options.Name, unitDirectory);
        string text = Render(options);
        Directory.CreateDirectory(unitDirectory);
        string temp = Path.Combine(unitDirectory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(text));
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
        return path;
    }

    /// <summary>Deletes the unit file; false if there was none.</summary>
    public static bool Uninstall(string name, string unitDirectory = DefaultUnitDirectory)
    {
        string path = UnitPath(name, unitDirectory);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    /// <summary>systemd quoting for ExecStart words (systemd.syntax(7)): double quotes when needed, '%' and '$' doubled.</summary>
    public static string Quote(string word) => Quote(word, exec: true);

    /// <summary>Quotes one word; '$' is special only on Exec lines.</summary>
    private static string Quote(string word, bool exec)
    {
        string escaped = Escape(word, exec);
        if (escaped.Length > 0 && !escaped.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';'))
        {
            return escaped;
        }
        return "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }

    private static string Escape(string value, bool exec = false)
    {
        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"'{value.ReplaceLineEndings(" ")}' contains control characters and cannot go into a unit file.", nameof(value));
        }
        value = value.Replace("%", "%%", StringComparison.Ordinal);
        return exec ? value.Replace("$", "$$", StringComparison.Ordinal) : value;
    }

    private static bool IsUnder(string path, string dir) => path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);
}
