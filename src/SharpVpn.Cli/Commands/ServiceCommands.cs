using System.CommandLine;
using SharpVpn.Platform;
using SharpVpn.Platform.Systemd;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// <c>sharpvpn service install --config FILE [--name NAME]</c> and <c>sharpvpn service uninstall [--name NAME]</c>:
/// the tutorial's step 11 (start the server at boot) as one command.
/// </summary>
internal static class ServiceCommands
{
    private const string DefaultName = "sharpvpn";

    // Directives whose first argument is a file the server writes; their directories must stay writable under ProtectSystem=strict.
    private static readonly string[] s_writtenFileDirectives = ["status", "log", "log-append", "ifconfig-pool-persist", "writepid", "replay-persist"];

    public static Command Create()
    {
        var command = new Command("service", "Install or remove the systemd service that starts the server at boot");
        command.Subcommands.Add(CreateInstall());
        command.Subcommands.Add(CreateUninstall());
        return command;
    }

    private static Option<string> NameOption() => new("--name")
    {
        Description = "Service (unit) name; use different names for several servers",
        DefaultValueFactory = _ => DefaultName,
    };

    private static Option<string> UnitDirectoryOption() => new("--unit-dir")
    {
        Description = "Directory for the unit file",
        DefaultValueFactory = _ => SystemdUnit.DefaultUnitDirectory,
        Hidden = true,
    };

    private static Command CreateInstall()
    {
        var config = new Option<string>("--config") { Description = "The server config file the service runs", Required = true };
        Option<string> name = NameOption();
        Option<string> unitDir = UnitDirectoryOption();
        var install = new Command("install", "Write a hardened systemd unit (Type=notify, restart on failure) for 'sharpvpn server --config FILE' and enable it")
        {
            config, name, unitDir,
        };
        install.SetAction(int (ParseResult r) => Install(r.GetValue(config)!, r.GetValue(name)!, r.GetValue(unitDir)!));
        return install;
    }

    private static Command CreateUninstall()
    {
        Option<string> name = NameOption();
        Option<string> unitDir = UnitDirectoryOption();
        var uninstall = new Command("uninstall", "Stop and disable the service and remove its unit file") { name, unitDir };
        uninstall.SetAction(int (ParseResult r) => Uninstall(r.GetValue(name)!, r.GetValue(unitDir)!));
        return uninstall;
    }

    private static int Install(string configArgument, string nameArgument, string unitDirectory)
    {
        string name = ValidName(nameArgument);
        string config = Path.GetFullPath(configArgument);
        if (!File.Exists(config))
        {
            throw new FileNotFoundException($"Config file {config} does not exist.", config);
        }
        var options = new SystemdUnitOptions
        {
            Name = name,
            ConfigPath = config,
            Command = SystemdUnit.CurrentCommand(typeof(ServiceCommands).Assembly.Location),
            ReadWritePaths = WrittenDirectories(config),
        };
        string path;
        try
        {
            path = SystemdUnit.Install(options, unitDirectory);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"Cannot write {SystemdUnit.UnitPath(name, unitDirectory)}: permission denied (run as root, e.g. with sudo).");
        }
        Console.WriteLine($"Wrote {path}");

        if (CommandRunner.FindProgram("systemd-analyze") is not null)
        {
            CommandResult verify = CommandRunner.Host.Run("systemd-analyze", ["verify", path]);
            string complaints = (verify.StandardError + verify.StandardOutput).Trim();
            if (!verify.Succeeded || complaints.Length > 0)
            {
                Console.Error.WriteLine($"Warning: systemd-analyze verify reports: {complaints}");
            }
        }

        string unit = name + ".service";
        if (SystemdUnit.IsSystemdRunning && unitDirectory == SystemdUnit.DefaultUnitDirectory)
        {
            CommandRunner.Host.RunChecked("systemctl", ["daemon-reload"]);
            CommandRunner.Host.RunChecked("systemctl", ["enable", "--now", unit]);
            Console.WriteLine($"Enabled and started {unit}; see 'systemctl status {unit}' and 'journalctl -u {unit}'.");
        }
        else
        {
            Console.WriteLine($"systemd is not running here, so nothing was started. On the systemd host run: systemctl daemon-reload && systemctl enable --now {unit}");
        }
        return CommandExit.Success;
    }

    private static int Uninstall(string nameArgument, string unitDirectory)
    {
        string name = ValidName(nameArgument);
        string unit = name + ".service";
        bool live = SystemdUnit.IsSystemdRunning && unitDirectory == SystemdUnit.DefaultUnitDirectory;
        if (live)
        {
            // Not loaded is fine: the goal is "not running, not enabled".
            CommandRunner.Host.Run("systemctl", ["disable", "--now", unit]);
        }
        bool removed;
        try
        {
            removed = SystemdUnit.Uninstall(name, unitDirectory);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnauthorizedAccessException($"Cannot remove {SystemdUnit.UnitPath(name, unitDirectory)}: permission denied (run as root, e.g. with sudo).");
        }
        if (live)
        {
            CommandRunner.Host.RunChecked("systemctl", ["daemon-reload"]);
        }
        Console.WriteLine(removed
            ? $"Removed {SystemdUnit.UnitPath(name, unitDirectory)}{(live ? $" and stopped {unit}" : "")}."
            : $"No unit {SystemdUnit.UnitPath(name, unitDirectory)} was installed; nothing to remove.");
        return CommandExit.Success;
    }

    private static string ValidName(string name)
    {
        try
        {
            return SystemdUnit.ValidateName(name);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    /// <summary>Directories of files the server will write (status, log, pool persistence, pid), from a light scan of the config.</summary>
    private static List<string> WrittenDirectories(string config)
    {
        string baseDir = Path.GetDirectoryName(config)!;
        var dirs = new List<string>();
        foreach (string raw in File.ReadLines(config))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            string[] words = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2 && s_writtenFileDirectives.Contains(words[0].TrimStart('-')))
            {
                string file = words[1].Trim('"', '\'');
                string? dir = Path.GetDirectoryName(Path.GetFullPath(file, baseDir));
                if (dir is not null && !dirs.Contains(dir))
                {
                    dirs.Add(dir);
                }
            }
        }
        return dirs;
    }
}
