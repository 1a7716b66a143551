using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The tutorial end to end with real openvpn on both ends (shared/docs/scenario.md): this is the
/// behaviour SharpVPN's own server and client must reproduce, and it proves the lab itself.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class ReferenceScenarioTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RealOpenVpn_TutorialScenario_ClientReachesIntranetOnlyThroughTunnel()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        EasyRsaPki pki = await EasyRsaPki.CreateAsync(Path.Combine(lab.WorkDir, "pki"));
        var variant = OpenVpnVariant.Tutorial with { DropPrivileges = true };
        OpenVpnConfigFile serverConf = OpenVpnConfigs.WriteServer(Path.Combine(lab.WorkDir, "server"), pki, variant);
        OpenVpnConfigFile clientConf = OpenVpnConfigs.WriteClient(Path.Combine(lab.WorkDir, "client"), pki, "client", variant);

        // Before: the intranet host is unreachable from the client, and the server's public side is reachable.
        PingResult before = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(3));
        Assert.False(before.AnyReceived, before.ToString());
        Assert.True((await lab.PingAsync(lab.Client, ScenarioLab.ServerPublicAddress)).AllReceived);

        await lab.ApplyMasqueradeAsync();
        LabProcess server = lab.StartOpenVpn(lab.Server, serverConf);
        await server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        LabProcess client = lab.StartOpenVpn(lab.Client, clientConf);
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

        // net30: the first client gets 10.0.1.6 with peer 10.0.1.5, as in the tutorial.
        CommandResult addr = (await lab.RunAsync(lab.Client, "ip", "-4", "-o", "addr", "show", "dev", "tun0")).EnsureSuccess();
        Assert.Matches(ClientTunAddress(), addr.StdOut);

        PingResult after = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
        Assert.True(after.AllReceived, $"{after}\nclient log:\n{client.Tail()}\nserver log:\n{server.Tail()}");
        Assert.True((await lab.PingAsync(lab.Client, ScenarioLab.ServerIntranetAddress)).AllReceived);

        // The intranet host saw the server's address, not the pool's: source NAT did its job.
        CommandResult neigh = await lab.RunAsync(lab.Intranet, "ip", "-4", "neigh", "show");
        Assert.Contains(ScenarioLab.ServerIntranetAddress, neigh.StdOut, StringComparison.Ordinal);

        await client.StopAsync();
        await server.StopAsync();
        Assert.True(server.HasExited && client.HasExited);
    }

    [Fact]
    public async Task Dispose_RemovesNamespacesProcessesAndWorkDir()
    {
        ScenarioLab lab = await ScenarioLab.CreateAsync();
        string prefix = lab.Prefix;
        string workDir = lab.WorkDir;
        EasyRsaPki pki = await EasyRsaPki.CreateAsync(Path.Combine(lab.WorkDir, "pki"));
        OpenVpnConfigFile serverConf = OpenVpnConfigs.WriteServer(Path.Combine(lab.WorkDir, "server"), pki);
        LabProcess server = lab.StartOpenVpn(lab.Server, serverConf);
        await server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        LabProcess sleeper = lab.StartProcess(lab.Intranet, "sleep", ["300"]);
        int[] pids = [server.Pid, sleeper.Pid];

        await lab.DisposeAsync();

        CommandResult list = (await RunRootAsync("ip", "netns", "list")).EnsureSuccess();
        Assert.DoesNotContain(prefix + "-", list.StdOut, StringComparison.Ordinal);
        foreach (int pid in pids)
        {
            Assert.False(Directory.Exists($"/proc/{pid}"), $"process {pid} survived the lab");
        }
        Assert.False(Directory.Exists(workDir));
        CommandResult links = (await RunRootAsync("ip", "-o", "link", "show")).EnsureSuccess();
        Assert.DoesNotContain(prefix, links.StdOut, StringComparison.Ordinal);
    }

    private static async Task<CommandResult> RunRootAsync(string file, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stdout = await p.StandardOutput.ReadToEndAsync();
        string stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return new CommandResult(file, p.ExitCode, stdout, stderr);
    }

    [GeneratedRegex(@"inet 10\.0\.1\.6 peer 10\.0\.1\.5/32")]
    private static partial Regex ClientTunAddress();
}
