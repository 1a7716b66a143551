using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>The lab itself: the tutorial's topology, and the helpers other interop tests rely on.</summary>
[Trait("Category", "Interop")]
public sealed class ScenarioLabTests
{
    [Fact]
    public async Task Topology_MatchesTheTutorial()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();

        Assert.All(lab.Hosts.SelectMany(h => h.Interfaces), i => Assert.True(i.Name.Length <= 15, i.Name));
        Assert.Equal("inet 172.16.0.8/16", AddressOf((await lab.RunAsync(lab.Client, "ip", "-4", "-o", "addr", "show", "dev", lab.ClientInterface)).StdOut));
        Assert.Equal("inet 172.16.1.254/16", AddressOf((await lab.RunAsync(lab.Server, "ip", "-4", "-o", "addr", "show", "dev", lab.ServerPublicInterface)).StdOut));
        Assert.Equal("inet 192.168.1.254/24", AddressOf((await lab.RunAsync(lab.Server, "ip", "-4", "-o", "addr", "show", "dev", lab.ServerIntranetInterface)).StdOut));
        Assert.Equal("inet 192.168.1.1/24", AddressOf((await lab.RunAsync(lab.Intranet, "ip", "-4", "-o", "addr", "show", "dev", lab.IntranetInterface)).StdOut));
        Assert.Equal("1", (await lab.RunAsync(lab.Server, "cat", "/proc/sys/net/ipv4/ip_forward")).StdOut.Trim());
        foreach (LabHost host in lab.Hosts)
        {
            Assert.Equal("", (await lab.RunAsync(host, "ip", "route", "show", "default")).EnsureSuccess().StdOut);
        }

        Assert.True((await lab.PingAsync(lab.Client, ScenarioLab.ServerPublicAddress)).AllReceived);
        Assert.True((await lab.PingAsync(lab.Server, ScenarioLab.IntranetAddress)).AllReceived);
        Assert.False((await lab.PingAsync(lab.Client, ScenarioLab.ServerIntranetAddress, count: 1)).AnyReceived);
        Assert.False((await lab.PingAsync(lab.Intranet, ScenarioLab.ClientAddress, count: 1)).AnyReceived);
    }

    [Fact]
    public async Task Ping_ReportsCountsAndRtt()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();

        PingResult ok = await lab.PingAsync(lab.Client, ScenarioLab.ServerPublicAddress, count: 4);
        PingResult unreachable = await lab.PingAsync(lab.Server, "192.168.1.77", count: 2, timeout: TimeSpan.FromSeconds(3));

        Assert.Equal(4, ok.Sent);
        Assert.Equal(4, ok.Received);
        Assert.Equal(0, ok.LossPercent);
        Assert.NotNull(ok.AverageRtt);
        Assert.True(ok.AverageRtt < TimeSpan.FromMilliseconds(100), ok.ToString());
        Assert.False(unreachable.AnyReceived);
        Assert.Equal(100, unreachable.LossPercent);
    }

    [Fact]
    public async Task Nft_ApplyAndRemove_ChangesWhatGetsThrough()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string table = $"{lab.Prefix}drop";

        await lab.ApplyNftAsync(lab.Intranet, $$"""
            table inet {{table}} {
                chain input {
                    type filter hook input priority filter; policy accept;
                    icmp type echo-request drop
                }
            }
            """);
        PingResult blocked = await lab.PingAsync(lab.Server, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(2));
        await lab.RemoveNftTableAsync(lab.Intranet, "inet", table);
        PingResult open = await lab.PingAsync(lab.Server, ScenarioLab.IntranetAddress, count: 2);

        Assert.False(blocked.AnyReceived, blocked.ToString());
        Assert.True(open.AllReceived, open.ToString());
    }

    [Fact]
    public async Task Masquerade_LetsThePoolReachTheIntranet()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        // Stand-in for a tunnel client: a pool address on the server's loopback, used as the ping source.
        (await lab.RunAsync(lab.Server, "ip", "addr", "add", "10.0.1.6/32", "dev", "lo")).EnsureSuccess();

        PingResult withoutNat = await PingFromPoolAsync(lab);
        await lab.ApplyMasqueradeAsync();
        PingResult withNat = await PingFromPoolAsync(lab);
        await lab.RemoveNftTableAsync(lab.Server, "ip", lab.NatTableName);
        PingResult removed = await PingFromPoolAsync(lab);

        Assert.False(withoutNat.AnyReceived, withoutNat.ToString());
        Assert.True(withNat.AllReceived, withNat.ToString());
        Assert.False(removed.AnyReceived, removed.ToString());
    }

    private static async Task<PingResult> PingFromPoolAsync(ScenarioLab lab)
    {
        CommandResult result = await lab.RunAsync(lab.Server, "ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", "-I", "10.0.1.6", ScenarioLab.IntranetAddress);
        return PingResult.Parse(ScenarioLab.IntranetAddress, result.StdOut + result.StdErr);
    }

    [Fact]
    public async Task Process_WaitForOutput_MatchesLinesFromStdoutStderrAndFollowedFile()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string log = Path.Combine(lab.WorkDir, "p.log");

        LabProcess p = lab.StartProcess(lab.Server, "sh", ["-c", $"echo out-line; echo err-line >&2; sleep 0.3; echo 'file line 42' > {log}; sleep 30"], followFile: log);

        Assert.Equal("out-line", await p.WaitForOutputAsync("out-line", TimeSpan.FromSeconds(5)));
        Assert.Equal("err-line", await p.WaitForOutputAsync("err-line", TimeSpan.FromSeconds(5)));
        Assert.Equal("file line 42", await p.WaitForOutputAsync(new Regex(@"line \d+"), TimeSpan.FromSeconds(5)));
        Assert.NotNull(p.TimeOfFirst("file line"));
        await p.StopAsync();
        Assert.True(p.HasExited);
    }

    [Fact]
    public async Task Process_WaitForOutput_FailsWithLogTail_WhenProcessExitsOrTimesOut()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();

        LabProcess quitter = lab.StartProcess(lab.Client, "sh", ["-c", "echo 'fatal: no such config'; exit 3"]);
        var exited = await Assert.ThrowsAsync<InvalidOperationException>(() => quitter.WaitForOutputAsync("ready", TimeSpan.FromSeconds(10)));
        LabProcess sleeper = lab.StartProcess(lab.Client, "sh", ["-c", "echo starting; sleep 30"]);
        var timedOut = await Assert.ThrowsAsync<TimeoutException>(() => sleeper.WaitForOutputAsync("ready", TimeSpan.FromMilliseconds(500)));

        Assert.Contains("exited with 3", exited.Message, StringComparison.Ordinal);
        Assert.Contains("fatal: no such config", exited.Message, StringComparison.Ordinal);
        Assert.Contains("starting", timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_Stop_KillsAProcessThatIgnoresSigterm_AndDisposeKillsItsChildren()
    {
        ScenarioLab lab = await ScenarioLab.CreateAsync();
        string ns = lab.Intranet.Namespace;
        LabProcess stubborn = lab.StartProcess(lab.Intranet, "sh", ["-c", "trap '' TERM; echo armed; sleep 60; sleep 60"]);
        await stubborn.WaitForOutputAsync("armed", TimeSpan.FromSeconds(5));

        await stubborn.StopAsync(TimeSpan.FromMilliseconds(500));
        Assert.True(stubborn.HasExited);
        // The orphaned 'sleep 60' is still in the namespace until the lab goes.
        Assert.NotEmpty((await RootAsync("ip", "netns", "pids", ns)).StdOut.Trim());
        await lab.DisposeAsync();

        Assert.DoesNotContain(ns, (await RootAsync("ip", "netns", "list")).StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_DisposedByTestThenByLab_IsFine()
    {
        ScenarioLab lab = await ScenarioLab.CreateAsync();
        LabProcess p = lab.StartProcess(lab.Client, "sleep", ["30"]);

        await p.DisposeAsync();
        await p.StopAsync();
        await lab.DisposeAsync();

        Assert.True(p.HasExited);
        Assert.Equal(143, p.ExitCode); // 128 + SIGTERM
    }

    [Fact]
    public async Task Iperf_MeasuresThroughputWithoutTunnel()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();

        IperfResult up = await lab.IperfAsync(lab.Client, lab.Server, ScenarioLab.ServerPublicAddress, TimeSpan.FromSeconds(1));

        Assert.True(up.Mbps > 100, up.ToString());
    }

    private static string AddressOf(string ipOneLine) =>
        Regex.Match(ipOneLine, @"inet \S+").Value;

    private static async Task<CommandResult> RootAsync(string file, params string[] args)
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
