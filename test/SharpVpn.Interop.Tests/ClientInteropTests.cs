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
    public async Task Tutorial24_Aes256CbcSha1CompLzoTlsAuthNet30_ReachesIntranet()
    {
        // scenario.md's 2.4-era configs; the server only offers AES-256-CBC so the CBC+HMAC-SHA1 data path really runs
        // (what a 2.4 server without NCP does), with comp-lzo framing and tls-auth key direction 1.
        OpenVpnVariant server = OpenVpnVariant.Tutorial with { DataCiphers = "AES-256-CBC", Auth = "SHA1" };
        OpenVpnVariant client = OpenVpnVariant.Tutorial with { Auth = "SHA1" };
        await RunPingScenarioAsync(server, client, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-CBC");
    }

    [Fact]
    public async Task Modern_Aes256GcmTopologySubnetTlsCrypt_ReachesIntranet() =>
        await RunPingScenarioAsync(OpenVpnVariant.Modern, OpenVpnVariant.Modern, "inet 10.0.1.2/24", "AES-256-GCM");

    [Fact]
    public async Task Chacha20Poly1305TlsCryptV2_ReachesIntranet()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        (string serverKey, string clientKey) = await s.GenerateTlsCryptV2KeysAsync();
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            TlsWrap = TlsWrapMode.None,
            DataCiphers = "CHACHA20-POLY1305",
            ServerExtra = [$"tls-crypt-v2 {serverKey}"],
        };
        OpenVpnVariant client = OpenVpnVariant.Modern with
        {
            TlsWrap = TlsWrapMode.None,
            DataCiphers = "CHACHA20-POLY1305:AES-256-GCM",
            ClientExtra = [$"tls-crypt-v2 {clientKey}"],
        };
        await RunPingScenarioAsync(s, server, client, "inet 10.0.1.2/24", "CHACHA20-POLY1305");
    }

    [Fact]
    public async Task ProtoTcpTlsAuth_ReachesIntranet()
    {
        OpenVpnVariant v = OpenVpnVariant.Tutorial with { Proto = "tcp" };
        await RunPingScenarioAsync(v, v, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-GCM");
    }

    private async Task RunPingScenarioAsync(OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string expectedCipher)
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await RunPingScenarioAsync(s, server, client, expectedAddress, expectedCipher);
    }

    private static async Task RunPingScenarioAsync(ClientScenario s, OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string expectedCipher)
    {
        await s.AssertIntranetUnreachableAsync();
        await s.StartServerAsync(server);
        LabProcess ours = s.StartOurClient(s.WriteClientConfig(client));

        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.Contains(expectedAddress, await s.TunAddressesAsync(), StringComparison.Ordinal);
        await ours.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
        await s.Server!.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
        await s.AssertIntranetReachableAsync();

        await ours.StopAsync();
        Assert.Equal(0, ours.ExitCode);
        // Everything the client added is gone with it.
        CommandResult links = await s.Lab.RunAsync(s.Lab.Client, "ip", "-o", "link", "show", "type", "tun");
        Assert.DoesNotContain("tun0", links.StdOut, StringComparison.Ordinal);
        CommandResult routes = await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "route", "show");
        Assert.DoesNotContain("192.168.1.0", routes.StdOut, StringComparison.Ordinal);
    }
}
