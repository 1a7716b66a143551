using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR client (<c>sharpvpn client</c>) against a REAL openvpn 2.6 server: key renegotiations, started by
/// either side, keep a continuous ping flowing.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientRenegotiationInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    [Fact]
    public async Task ClientRenegSec10_ClientInitiatedSoftResetsKeepThePingFlowing()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["reneg-sec 0"] });
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["reneg-sec 8"] }));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        int serverLinesBefore = s.Server!.LineCount;

        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 150, timeout: TimeSpan.FromSeconds(40));

        int keyChanges = ours.Lines.Count(l => l.Contains("TLS: soft reset complete", StringComparison.Ordinal));
        int serverResets = s.Server.Lines.Skip(serverLinesBefore).Count(l => l.Contains("TLS: soft reset", StringComparison.Ordinal));
        output.WriteLine($"ping: {ping}; key changes (client-initiated): {keyChanges}; server soft-reset lines: {serverResets}");
        Assert.True(keyChanges >= 3, $"only {keyChanges} key changes in 30 s");
        Assert.True(ping.Sent - ping.Received <= 1, ping.ToString());
    }

    [Fact]
    public async Task ServerRenegSec10_ContinuousPingLosesAtMostOnePacketAcrossThreeKeyChanges()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["reneg-sec 10"] });
        LabProcess ours = await s.ConnectOurClientAsync();
        int serverLinesBefore = s.Server!.LineCount;

        // 225 echoes 0.2 s apart = 45 s of continuous traffic through the renegotiations.
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 225, timeout: TimeSpan.FromSeconds(55));

        int keyChanges = ours.Lines.Count(l => l.Contains("TLS: soft reset complete", StringComparison.Ordinal));
        int serverResets = s.Server.Lines.Skip(serverLinesBefore).Count(l => l.Contains("TLS: soft reset", StringComparison.Ordinal));
        output.WriteLine($"ping: {ping}; key changes seen by our client: {keyChanges}; soft resets logged by the server: {serverResets}");
        Assert.True(keyChanges >= 3, $"only {keyChanges} key changes in 45 s");
        Assert.True(ping.Sent - ping.Received <= 1, ping.ToString());
        Assert.False(ours.HasExited);
    }
}
