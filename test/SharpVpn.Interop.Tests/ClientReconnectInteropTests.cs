using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR client (<c>sharpvpn client</c>) against a REAL openvpn 2.6 server that restarts, dies or is missing from
/// the remote list, and under the signals that restart the client: it reconnects by itself.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientReconnectInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task ServerRestartedMidPing_ClientReconnectsByItselfAndPingResumes(string proto)
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        // UDP: explicit-exit-notify on a 2.6 server tells its clients RESTART when it goes down.
        // TCP: the connection closes with the server.
        OpenVpnVariant variant = OpenVpnVariant.Modern with { Proto = proto };
        await s.StartServerAsync(proto == "udp" ? variant with { ServerExtra = ["explicit-exit-notify 1"] } : variant);
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(variant));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();

        Task<PingResult> continuous = s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 150, timeout: TimeSpan.FromSeconds(40));
        await Task.Delay(TimeSpan.FromSeconds(4));
        int mark = ours.LineCount;
        await s.Server!.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // the server is really gone for a while
        await s.RestartServerAsync();
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
        PingResult during = await continuous;
        output.WriteLine($"continuous ping across the restart: {during}");

        Assert.False(ours.HasExited);
        await s.AssertIntranetReachableAsync();
        Assert.True(during.Received > 20, during.ToString());
        Assert.Contains(ours.Lines.Skip(mark), l => l.Contains("Preserving previous TUN/TAP instance: tun0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("udp")]
    [InlineData("tcp")]
    public async Task RemoteList_DeadFirstRemote_FallsThroughToTheNextOne(string proto)
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        OpenVpnVariant variant = OpenVpnVariant.Modern with { Proto = proto };
        await s.StartServerAsync(variant);
        // Nothing listens on port 1195: UDP gets no answer (server-poll-timeout 3), TCP is refused at once.
        OpenVpnConfigFile config = s.WriteClientConfig(variant with { ClientExtra = ["server-poll-timeout 3", "connect-retry 1 2"] },
            edit: text => text.Replace($"remote {ScenarioLab.ServerPublicAddress} 1194",
                $"remote {ScenarioLab.ServerPublicAddress} 1195\nremote {ScenarioLab.ServerPublicAddress} 1194", StringComparison.Ordinal));
        LabProcess ours = s.StartOurClient(config);
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.Contains(ours.Lines, l => l.Contains($"{ScenarioLab.ServerPublicAddress}:1195", StringComparison.Ordinal));
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task ServerRestartUnderFullLoad_ClientSurvivesAndReconnects()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["explicit-exit-notify 1"] });
        LabProcess ours = await s.ConnectOurClientAsync();
        s.Lab.StartProcess(s.Lab.Intranet, "iperf3", ["-s", "-1"]);
        await Task.Delay(500);

        // The TUN loop encrypts at full speed while the connection (and its keys) are torn down and rebuilt.
        Task<CommandResult> load = s.Lab.RunAsync(s.Lab.Client, TimeSpan.FromSeconds(40), "iperf3", "-c", ScenarioLab.IntranetAddress, "-t", "8");
        await Task.Delay(TimeSpan.FromSeconds(2));
        int mark = ours.LineCount;
        await s.Server!.StopAsync();
        await s.RestartServerAsync();
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
        output.WriteLine((await load).ToString());

        Assert.False(ours.HasExited, ours.Tail());
        await s.AssertIntranetReachableAsync();
        Assert.DoesNotContain(ours.Lines, l => l.Contains("TUN device failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigusr1Reconnects_Sigusr2LogsStatistics()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        LabProcess ours = await s.ConnectOurClientAsync();
        await s.AssertIntranetReachableAsync();
        string pid = ours.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

        (await s.Lab.RunAsync(s.Lab.Client, "kill", "-USR2", pid)).EnsureSuccess();
        await ours.WaitForOutputAsync(new Regex(@"TUN/TAP write bytes,[1-9]"), StartTimeout);

        int mark = ours.LineCount;
        (await s.Lab.RunAsync(s.Lab.Client, "kill", "-USR1", pid)).EnsureSuccess();
        await ours.WaitForOutputAsync("SIGUSR1[soft,", StartTimeout, mark);
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
        await s.AssertIntranetReachableAsync();
        Assert.False(ours.HasExited);
    }

    [Fact]
    public async Task ServerKilledWithoutNotice_PingRestartReconnects()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        // No exit notice at all (SIGKILL): the client notices through the pushed ping-restart.
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["keepalive 1 5"] });
        LabProcess ours = await s.ConnectOurClientAsync();
        int mark = ours.LineCount;
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-9", s.Server!.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.RestartServerAsync();
        await ours.WaitForOutputAsync("Inactivity timeout (--ping-restart)", StartTimeout, mark);
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
        await s.AssertIntranetReachableAsync();
    }
}
