using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Issue 4 "Done when": OUR client (<c>sharpvpn client</c>) against a REAL openvpn 2.6 server in the tutorial lab,
/// reaching 192.168.1.1 through the tunnel and the server's NAT, and not before.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    [Fact]
    public async Task Modern_Aes256GcmTopologySubnetTlsCrypt_ReachesIntranet()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.AssertIntranetUnreachableAsync();
        await s.StartServerAsync(OpenVpnVariant.Modern);
        LabProcess client = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern));

        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.Contains("inet 10.0.1.2/24", await s.TunAddressesAsync(), StringComparison.Ordinal);
        await client.WaitForOutputAsync(new Regex("Data Channel: cipher 'AES-256-GCM'"), StartTimeout);
        await s.AssertIntranetReachableAsync();

        await client.StopAsync();
        Assert.Equal(0, client.ExitCode);
    }
}
