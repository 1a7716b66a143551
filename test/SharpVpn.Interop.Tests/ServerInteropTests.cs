using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Issue 5 "Done when": OUR server (<c>sharpvpn server</c>) in the tutorial lab's VPN host, REAL openvpn 2.6 clients
/// in the client host, reaching 192.168.1.1 (the intranet host without a gateway) through the tunnel and NAT.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task Case1_Tutorial24ServerConfUnchanged_RealClientGetsDot6AndPingsIntranet()
    {
        // scenario.md's 2.4-era server.conf and client.conf: AES-256-CBC, comp-lzo, tls-auth (0/1), net30.
        await RunPingScenarioAsync(OpenVpnVariant.Tutorial, OpenVpnVariant.Tutorial, "inet 10.0.1.6 peer 10.0.1.5/32");
    }

    [Fact]
    public async Task Case1_Tutorial24_CbcDataChannelWhenOnlyCbcIsOffered()
    {
        // A 2.4-style peer without NCP: the server's data-ciphers offer only AES-256-CBC, so CBC + HMAC-SHA1 really runs.
        OpenVpnVariant server = OpenVpnVariant.Tutorial with { DataCiphers = "AES-256-CBC", Auth = "SHA1" };
        OpenVpnVariant client = OpenVpnVariant.Tutorial with { Auth = "SHA1" };
        await RunPingScenarioAsync(server, client, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-CBC");
    }

    [Fact]
    public async Task Case2_ModernAes256GcmSubnetTlsCrypt_RealClientPingsIntranet() =>
        await RunPingScenarioAsync(OpenVpnVariant.Modern, OpenVpnVariant.Modern, "inet 10.0.1.2/24", "AES-256-GCM");

    [Fact]
    public async Task Case2_Chacha20Poly1305TlsCryptV2_RealClientPingsIntranet()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        (string serverKey, string clientKey) = await GenerateTlsCryptV2KeysAsync(s);
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
    public async Task Case2_ProtoTcpTlsAuth_RealClientPingsIntranet()
    {
        OpenVpnVariant v = OpenVpnVariant.Tutorial with { Proto = "tcp" };
        await RunPingScenarioAsync(v, v, "inet 10.0.1.6 peer 10.0.1.5/32", "AES-256-GCM");
    }

    internal static async Task<(string ServerKey, string ClientKey)> GenerateTlsCryptV2KeysAsync(ServerScenario s)
    {
        string serverKey = Path.Combine(s.Pki.Directory, "tc2-server.key");
        string clientKey = Path.Combine(s.Pki.Directory, "tc2-client.key");
        TimeSpan timeout = TimeSpan.FromSeconds(30);
        (await ProcessRunner.RunAsync("openvpn", ["--genkey", "tls-crypt-v2-server", serverKey], timeout, CancellationToken.None)).EnsureSuccess();
        (await ProcessRunner.RunAsync("openvpn", ["--tls-crypt-v2", serverKey, "--genkey", "tls-crypt-v2-client", clientKey], timeout, CancellationToken.None))
            .EnsureSuccess();
        return (serverKey, clientKey);
    }

    private async Task RunPingScenarioAsync(OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string? expectedCipher = null)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await RunPingScenarioAsync(s, server, client, expectedAddress, expectedCipher);
    }

    private async Task RunPingScenarioAsync(ServerScenario s, OpenVpnVariant server, OpenVpnVariant client, string expectedAddress, string? expectedCipher)
    {
        await s.StartServerAsync(server);
        await s.AssertIntranetUnreachableAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        LabProcess real = s.StartRealClient(s.WriteClientConfig(client));
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        output.WriteLine($"handshake (real client start -> Initialization Sequence Completed): {watch.ElapsedMilliseconds} ms");
        Assert.Contains(expectedAddress, await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
        await s.Server!.WaitForOutputAsync("Peer Connection Initiated with", StartTimeout);
        await s.Server.WaitForOutputAsync("MULTI_sva: pool returned IPv4=", StartTimeout);
        if (expectedCipher is not null)
        {
            await real.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
            await s.Server.WaitForOutputAsync(new Regex($"Data Channel: cipher '{Regex.Escape(expectedCipher)}'"), StartTimeout);
        }

        await s.AssertIntranetReachableAsync();
        await real.StopAsync();
        await s.Server.StopAsync();
        Assert.Equal(0, s.Server.ExitCode);
    }
}
