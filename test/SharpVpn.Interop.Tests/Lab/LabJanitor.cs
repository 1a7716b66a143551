using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// Makes sure no lab outlives its test: exit/Ctrl-C handlers tear down labs still open in this
/// process, and <see cref="SweepStale"/> removes namespaces left by test processes that died
/// (their owner PID is part of the name: sv{pid}x{n}-role).
/// </summary>
internal static partial class LabJanitor
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<ScenarioLab> Open = [];
    private static bool _handlersInstalled;

    public static void Register(ScenarioLab lab)
    {
        lock (Gate)
        {
            if (!_handlersInstalled)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => TearDownAll();
                Console.CancelKeyPress += (_, _) => TearDownAll();
                AppDomain.CurrentDomain.UnhandledException += (_, _) => TearDownAll();
                _handlersInstalled = true;
            }
            Open.Add(lab);
        }
    }

    public static void Unregister(ScenarioLab lab)
    {
        lock (Gate)
        {
            Open.Remove(lab);
        }
    }

    private static void TearDownAll()
    {
        ScenarioLab[] labs;
        lock (Gate)
        {
            labs = [.. Open];
            Open.Clear();
        }
        foreach (ScenarioLab lab in labs)
        {
            lab.TearDownNow();
        }
    }

    // Runs detached (own session, reparented to init) so it survives a SIGKILL of the test process,
    // which no in-process handler can catch. It exits quietly once the lab's work dir is gone (normal
    // dispose); if the owner dies first it kills what runs in the lab's namespaces, by PID, and deletes them.
    private const string WatchdogScript = """
        exec </dev/null >/dev/null 2>&1
        owner="$1"; workdir="$2"; shift 2
        while kill -0 "$owner" && [ -d "$workdir" ]; do sleep 1; done
        [ -d "$workdir" ] || exit 0
        for ns in "$@"; do
          for pid in $(ip netns pids "$ns"); do kill -9 "$pid"; done
          ip netns del "$ns"
        done
        rm -rf "$workdir"
        """;

    /// <summary>Starts the detached watchdog for a lab whose work dir already exists.</summary>
    public static void StartWatchdog(ScenarioLab lab)
    {
        string[] args =
        [
            "-f", "bash", "-c", WatchdogScript, "sharpvpn-lab-watchdog",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture), lab.WorkDir,
            .. lab.Hosts.Select(h => h.Namespace),
        ];
        // 'setsid -f' forks the watchdog and returns at once.
        RunQuiet("setsid", args).EnsureSuccess();
    }

    /// <summary>Removes lab namespaces whose owning process is gone, killing only processes inside them.</summary>
    public static void SweepStale()
    {
        foreach (string ns in ListNamespaces())
        {
            Match m = LabNamespaceRegex().Match(ns);
            if (!m.Success)
            {
                continue;
            }
            int owner = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
            if (owner == Environment.ProcessId || Native.IsAlive(owner))
            {
                continue;
            }
            DeleteNamespace(ns);
            string workDir = ScenarioLab.WorkDirFor(m.Groups[1].Value);
            if (Directory.Exists(workDir))
            {
                try { Directory.Delete(workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>Work dirs (sharpvpn-lab-sv{pid}x{n}) of dead owners whose namespaces are already gone.</summary>
    public static void SweepStaleWorkDirs()
    {
        string temp = Path.GetTempPath();
        foreach (string dir in Directory.GetDirectories(temp, "sharpvpn-lab-sv*"))
        {
            Match m = WorkDirRegex().Match(Path.GetFileName(dir));
            if (m.Success && !Native.IsAlive(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)))
            {
                try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>Kills every process in the namespace (by PID), then deletes it, which also removes its veths and tun devices.</summary>
    public static void DeleteNamespace(string ns)
    {
        for (int attempt = 0; attempt < 3; attempt++)
        {
            int[] pids = PidsIn(ns);
            if (pids.Length == 0)
            {
                break;
            }
            foreach (int pid in pids)
            {
                Native.Kill(pid, Native.SigKill);
            }
            Thread.Sleep(100);
        }
        RunQuiet("ip", "netns", "del", ns);
    }

    public static IReadOnlyList<string> ListNamespaces()
    {
        // /run/netns holds one bind-mount file per named namespace, same as 'ip netns list'.
        const string dir = "/run/netns";
        return Directory.Exists(dir) ? [.. Directory.GetFiles(dir).Select(Path.GetFileName).OfType<string>()] : [];
    }

    public static int[] PidsIn(string ns)
    {
        CommandResult result = RunQuiet("ip", "netns", "pids", ns);
        return [.. result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, CultureInfo.InvariantCulture, out int pid) ? pid : -1)
            .Where(pid => pid > 0 && pid != Environment.ProcessId)];
    }

    // Synchronous on purpose: exit handlers cannot await.
    private static CommandResult RunQuiet(string file, params string[] args) =>
        ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(10), CancellationToken.None).GetAwaiter().GetResult();

    [GeneratedRegex(@"^sharpvpn-lab-sv(\d+)x\d+$")]
    private static partial Regex WorkDirRegex();

    // sv{owner pid}x{n}-{role}: group 1 is the run prefix, group 2 the owner PID.
    [GeneratedRegex(@"^(sv(\d+)x\d+)-(cli|srv|int)$")]
    private static partial Regex LabNamespaceRegex();
}
