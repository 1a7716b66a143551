using System.Globalization;
using SharpVpn.Platform;

namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>
/// The tutorial's three hosts as network namespaces sv{pid}-cli / -srv / -int (shared/docs/scenario.md):
/// client 172.16.0.8/16; VPN server 172.16.1.254/16 + 192.168.1.254/24; intranet host 192.168.1.1/24 with
/// no default route. Deleting the namespaces removes every veth and tun device inside them.
/// </summary>
internal sealed partial class DemoNetwork : IDisposable
{
    public const string ClientAddress = "172.16.0.8";
    public const string ServerPublicAddress = "172.16.1.254";
    public const string ServerIntranetAddress = "192.168.1.254";
    public const string IntranetAddress = "192.168.1.1";

    private readonly CommandRunner _host = CommandRunner.Host;
    private readonly List<string> _created = [];
    private readonly Lock _gate = new();

    public DemoNetwork(int id)
    {
        Prefix = "sv" + id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>sv + pid; interface names add two characters (at most 15 in all).</summary>
    public string Prefix { get; }

    public string Client => Prefix + "-cli";

    public string Server => Prefix + "-srv";

    public string Intranet => Prefix + "-int";

    public IReadOnlyList<string> Namespaces => [Client, Server, Intranet];

    public void Build()
    {
        SweepStale();
        foreach (string ns in Namespaces)
        {
            if (NamespaceExists(ns))
            {
                throw new InvalidOperationException($"Network namespace {ns} already exists (left over from an earlier demo with the same pid?); remove it with 'ip netns del {ns}'.");
            }
        }

        foreach (string ns in Namespaces)
        {
            Ip("netns", "add", ns);
            lock (_gate)
            {
                _created.Add(ns);
            }

            Ip("-n", ns, "link", "set", "lo", "up");
        }

        // Each veth end is created inside its namespace, so nothing appears in the host's.
        Ip("link", "add", Prefix + "c0", "netns", Client, "type", "veth", "peer", "name", Prefix + "s0", "netns", Server);
        Ip("link", "add", Prefix + "s1", "netns", Server, "type", "veth", "peer", "name", Prefix + "i1", "netns", Intranet);
        Address(Client, Prefix + "c0", ClientAddress + "/16");
        Address(Server, Prefix + "s0", ServerPublicAddress + "/16");
        Address(Server, Prefix + "s1", ServerIntranetAddress + "/24");
        Address(Intranet, Prefix + "i1", IntranetAddress + "/24");
    }

    /// <summary>Deletes the namespaces this instance created; idempotent and safe from a signal or exit handler.</summary>
    public void Dispose()
    {
        string[] created;
        lock (_gate)
        {
            created = [.. _created];
            _created.Clear();
        }

        foreach (string ns in created)
        {
            try
            {
                KillProcessesIn(ns);
                _host.Run("ip", ["netns", "del", ns]);
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
            {
                // Best effort: keep deleting the others.
            }
        }
    }

    /// <summary>
    /// Removes namespaces (and what runs in them) of earlier demos whose process is gone, e.g. after a SIGKILL,
    /// which no handler can clean up after.
    /// </summary>
    private void SweepStale()
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }

        foreach (string path in Directory.GetFiles("/run/netns"))
        {
            System.Text.RegularExpressions.Match m = StalePattern().Match(Path.GetFileName(path));
            if (m.Success && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out int pid) && !Directory.Exists($"/proc/{pid}"))
            {
                string ns = Path.GetFileName(path);
                KillProcessesIn(ns);
                _host.Run("ip", ["netns", "del", ns]);
                string workDir = Path.Combine(Path.GetTempPath(), $"sharpvpn-demo-sv{m.Groups[1].Value}");
                if (Directory.Exists(workDir))
                {
                    Directory.Delete(workDir, recursive: true);
                }
            }
        }
    }

    /// <summary>SIGKILLs whatever still runs in one of the demo's namespaces (the children are stopped gently before this).</summary>
    private void KillProcessesIn(string ns)
    {
        CommandResult pids = _host.Run("ip", ["netns", "pids", ns]);
        foreach (string line in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (int.TryParse(line, CultureInfo.InvariantCulture, out int pid) && pid != Environment.ProcessId)
            {
                Signals.Send(pid, Signals.SigKill);
            }
        }
    }

    public bool NamespaceExists(string ns) => File.Exists(Path.Combine("/run/netns", ns));

    private void Address(string ns, string device, string cidr)
    {
        Ip("-n", ns, "addr", "add", cidr, "dev", device);
        Ip("-n", ns, "link", "set", device, "up");
    }

    private void Ip(params string[] args) => _host.RunChecked("ip", args);

    [System.Text.RegularExpressions.GeneratedRegex(@"^sv(\d+)-(cli|srv|int)$")]
    private static partial System.Text.RegularExpressions.Regex StalePattern();
}
