using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The tutorial end to end with real openvpn on both ends (shared/docs/scenario.md): this is the
/// behaviour SharpVPN's own server and client must reproduce, and it proves the lab itself.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ReferenceScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task RealOpenVpn_TutorialScenario_ClientReachesIntranetOnlyThroughTunnel()
    {
        // scenario.md's configs as written (plus data-ciphers, which 2.6 needs next to 'cipher AES-256-CBC');
        // the server drops to nobody/nogroup like the tutorial. Two 2.6 peers negotiate AES-256-GCM.
        var variant = OpenVpnVariant.Tutorial with { DropPrivileges = true };
        await RunScenarioAsync(variant, expectedClientAddress: "10.0.1.6 peer 10.0.1.5/32", expectedDataCipher: "AES-256-GCM");
    }

    [Theory]
    [InlineData("udp-cbc")]
    [InlineData("tcp-cbc")]
    [InlineData("modern-udp")]
    [InlineData("modern-tcp-chacha")]
    public async Task RealOpenVpn_ScenarioVariants_ClientReachesIntranet(string name)
    {
        (OpenVpnVariant variant, string address, string cipher) = name switch
        {
            // What a 2.4 peer without NCP does: the data channel really runs AES-256-CBC with HMAC-SHA1.
            "udp-cbc" => (OpenVpnVariant.Tutorial with { DataCiphers = "AES-256-CBC" }, "10.0.1.6 peer 10.0.1.5/32", "AES-256-CBC"),
            "tcp-cbc" => (OpenVpnVariant.Tutorial with { Proto = "tcp", DataCiphers = "AES-256-CBC" }, "10.0.1.6 peer 10.0.1.5/32", "AES-256-CBC"),
            "modern-udp" => (OpenVpnVariant.Modern, "10.0.1.2/24", "AES-256-GCM"),
            "modern-tcp-chacha" => (OpenVpnVariant.Modern with { Proto = "tcp", DataCiphers = "CHACHA20-POLY1305" }, "10.0.1.2/24", "CHACHA20-POLY1305"),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        await RunScenarioAsync(variant, address, cipher);
    }

    private async Task RunScenarioAsync(OpenVpnVariant variant, string expectedClientAddress, string expectedDataCipher)
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        EasyRsaPki pki = await EasyRsaPki.CreateAsync(Path.Combine(lab.WorkDir, "pki"));
        OpenVpnConfigFile serverConf = OpenVpnConfigs.WriteServer(Path.Combine(lab.WorkDir, "server"), pki, variant);
        OpenVpnConfigFile clientConf = OpenVpnConfigs.WriteClient(Path.Combine(lab.WorkDir, "client"), pki, "client", variant);

        // Before: the intranet host is unreachable from the client, while the server's public side answers.
        PingResult before = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(3));
        Assert.False(before.AnyReceived, before.ToString());
        Assert.True((await lab.PingAsync(lab.Client, ScenarioLab.ServerPublicAddress)).AllReceived);

        await lab.ApplyMasqueradeAsync();
        LabProcess server = lab.StartOpenVpn(lab.Server, serverConf);
        await server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        LabProcess client = lab.StartOpenVpn(lab.Client, clientConf);
        try
        {
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

            CommandResult addr = (await lab.RunAsync(lab.Client, "ip", "-4", "-o", "addr", "show", "dev", "tun0")).EnsureSuccess();
            Assert.Contains($"inet {expectedClientAddress}", addr.StdOut, StringComparison.Ordinal);
            await client.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedDataCipher)}'"), StartTimeout);

            PingResult after = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(after.AllReceived, after.ToString());
            Assert.True((await lab.PingAsync(lab.Client, ScenarioLab.ServerIntranetAddress)).AllReceived);

            // The intranet host only ever talked to the server's address: source NAT did its job.
            CommandResult neigh = await lab.RunAsync(lab.Intranet, "ip", "-4", "neigh", "show");
            Assert.Contains(ScenarioLab.ServerIntranetAddress, neigh.StdOut, StringComparison.Ordinal);

            await client.StopAsync();
            await server.StopAsync();
            Assert.True(server.HasExited && client.HasExited);
        }
        finally
        {
            output.WriteLine($"--- server ---\n{server.Output}\n--- client ---\n{client.Output}");
        }
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
}
