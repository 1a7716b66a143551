using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>http-proxy</c> and <c>socks-proxy</c> against the real openvpn 2.6 server through a real proxy in the server's
/// namespace (tinyproxy, microsocks), under our client and under the real openvpn client with the same profile. The
/// server's TCP port is closed to the client's address, so only a connection the proxy makes can reach it.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class ProxyInteropTests(ITestOutputHelper output)
{
    private const int SocksPort = 1080;
    private const int ProxyPort = 8888;
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;
    private static readonly OpenVpnVariant Tcp = OpenVpnVariant.Modern with { Proto = "tcp" };

    [Fact]
    public async Task ProxyWithoutAuthentication_ResolvesTheServersNameItself_UnderOurClientAndTheRealOne()
    {
        await using ClientScenario s = await StartLabAsync();
        LabProcess proxy = await StartProxyAsync(s, basicAuth: null);

        // 'localhost' is the server only as the proxy sees it: a client that resolved the name itself would miss it.
        string Profile(string text) => RemoteAndProto().Replace(text, "") +
            $"remote localhost {Tcp.Port} tcp-client\nhttp-proxy {ScenarioLab.ServerPublicAddress} {ProxyPort}\n" +
            "http-proxy-option VERSION 1.1\nhttp-proxy-option AGENT SharpVPN-test\n";

        foreach (bool real in new[] { false, true })
        {
            await ConnectAndCheckAsync(s, proxy, Profile, real, expectedTarget: $"localhost:{Tcp.Port}");
        }
    }

    [Fact]
    public async Task ProxyWithBasicAuthentication_FromAFileOrLearntUnderAuto_UnderOurClientAndTheRealOne_AndAWrongPasswordIsRefused()
    {
        await using ClientScenario s = await StartLabAsync();
        LabProcess proxy = await StartProxyAsync(s, basicAuth: ("traveller", "hotel-wifi"));
        string authFile = Path.Combine(s.Lab.WorkDir, "proxy-auth.txt");
        File.WriteAllText(authFile, "traveller\nhotel-wifi\n");
        string target = $"{ScenarioLab.ServerPublicAddress}:{Tcp.Port}";

        // The auth file, Basic from the first CONNECT on.
        string WithFile(string text) => RemoteAndProto().Replace(text, "") +
            $"remote {ScenarioLab.ServerPublicAddress} {Tcp.Port} tcp-client\nhttp-proxy {ScenarioLab.ServerPublicAddress} {ProxyPort} {authFile} basic\n";
        // 'auto': no credentials until the proxy's 407 asks for Basic, then the inline http-proxy-user-pass.
        string Auto(string text) => RemoteAndProto().Replace(text, "") +
            $"remote {ScenarioLab.ServerPublicAddress} {Tcp.Port} tcp-client\nhttp-proxy {ScenarioLab.ServerPublicAddress} {ProxyPort} auto\n" +
            "<http-proxy-user-pass>\ntraveller\nhotel-wifi\n</http-proxy-user-pass>\n";

        foreach (bool real in new[] { false, true })
        {
            await ConnectAndCheckAsync(s, proxy, WithFile, real, target);
            LabProcess auto = await ConnectAndCheckAsync(s, proxy, Auto, real, target);
            if (!real)
            {
                Assert.Contains(auto.Lines, l => l.Contains("HTTP proxy authenticate 'Basic", StringComparison.Ordinal));
            }
        }

        // A wrong password: the proxy's refusal is logged and the client tries again (as openvpn: SIGUSR1, reconnect).
        File.WriteAllText(authFile, "traveller\nwrong\n");
        OpenVpnConfigFile config = s.WriteClientConfig(Tcp, edit: WithFile, fileName: "wrong");
        LabProcess refused = s.StartOurClient(config);
        const string Refusal = "HTTP proxy error: the HTTP proxy refused our user name and password ('HTTP/1.0 40"; // tinyproxy: 401
        await refused.WaitForOutputAsync(Refusal, StartTimeout);
        int first = refused.Lines.ToList().FindIndex(l => l.Contains(Refusal, StringComparison.Ordinal));
        await refused.WaitForOutputAsync(Refusal, StartTimeout, fromLine: first + 1);
        Assert.DoesNotContain(refused.Lines, l => l.Contains("Initialization Sequence Completed", StringComparison.Ordinal));
        await refused.StopAsync();
    }

    [Fact]
    public async Task SocksProxyWithUserNameAndPassword_CarriesTheTunnel_UnderOurClientAndTheRealOne_AndAWrongPasswordIsRefused()
    {
        await using ClientScenario s = await StartLabAsync();
        LabProcess proxy = s.Lab.StartProcess(s.Lab.Server, "microsocks",
            ["-i", ScenarioLab.ServerPublicAddress, "-p", SocksPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "traveller", "-P", "ssh-tunnel"]);
        await s.Lab.WaitListeningAsync(s.Lab.Server, ScenarioLab.ServerPublicAddress, SocksPort);
        string authFile = Path.Combine(s.Lab.WorkDir, "socks-auth.txt");
        File.WriteAllText(authFile, "traveller\nssh-tunnel\n");

        // 'localhost' again: only the proxy can reach the server by that name.
        string Profile(string text) => RemoteAndProto().Replace(text, "") +
            $"remote localhost {Tcp.Port} tcp-client\nsocks-proxy {ScenarioLab.ServerPublicAddress} {SocksPort} {authFile}\n";
        foreach (bool real in new[] { false, true })
        {
            await (await ConnectAsync(s, Tcp, Profile, real)).StopAsync();
        }

        File.WriteAllText(authFile, "traveller\nwrong\n");
        LabProcess refused = s.StartOurClient(s.WriteClientConfig(Tcp, edit: Profile, fileName: "socks-wrong"));
        await refused.WaitForOutputAsync("SOCKS proxy error: the SOCKS proxy refused our user name and password", StartTimeout);
        Assert.DoesNotContain(refused.Lines, l => l.Contains("Initialization Sequence Completed", StringComparison.Ordinal));
        Assert.False(proxy.HasExited, "microsocks is still serving");
        await refused.StopAsync();
    }

    [Fact]
    public async Task SocksProxyOverUdp_RelaysTheTunnelThroughUdpAssociate_UnderOurClientAndTheRealOne()
    {
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        OpenVpnVariant udp = OpenVpnVariant.Modern;
        await s.StartServerAsync(udp);
        // Only the proxy's relay (in the server's namespace) reaches the server's UDP port.
        await s.Lab.ApplyNftAsync(s.Lab.Server, $$"""
            table inet svproxyonly {
              chain in { type filter hook input priority 0; ip saddr {{ScenarioLab.ClientAddress}} udp dport {{udp.Port}} drop; }
            }
            """);
        string config = Path.Combine(s.Lab.WorkDir, "danted.conf");
        File.WriteAllText(config, $$"""
            logoutput: stderr
            internal: {{ScenarioLab.ServerPublicAddress}} port = {{SocksPort}}
            external: {{ScenarioLab.ServerPublicAddress}}
            clientmethod: none
            socksmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass { from: {{ScenarioLab.ClientAddress}}/32 to: 0.0.0.0/0 }
            socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 command: udpassociate udpreply }
            """);
        LabProcess dante = s.Lab.StartProcess(s.Lab.Server, "/usr/sbin/danted", ["-f", config, "-N", "1"]);
        await s.Lab.WaitListeningAsync(s.Lab.Server, ScenarioLab.ServerPublicAddress, SocksPort);

        string Profile(string text) => text + $"socks-proxy {ScenarioLab.ServerPublicAddress} {SocksPort}\n";
        foreach (bool real in new[] { false, true })
        {
            LabProcess client = await ConnectAsync(s, udp, Profile, real);
            Assert.Contains(client.Lines, l => l.Contains("SOCKS proxy wants us to send UDP to [AF_INET]" + ScenarioLab.ServerPublicAddress, StringComparison.Ordinal));
            await client.StopAsync();
        }

        Assert.False(dante.HasExited, "danted is still serving");
    }

    private async Task<ClientScenario> StartLabAsync()
    {
        ClientScenario s = await ClientScenario.CreateAsync(output);
        try
        {
            await s.StartServerAsync(Tcp);
            // The client's own connections to the server's TCP port are dropped: only the proxy (a local process in
            // the server's namespace) gets through.
            await s.Lab.ApplyNftAsync(s.Lab.Server, $$"""
                table inet svproxyonly {
                  chain in { type filter hook input priority 0; ip saddr {{ScenarioLab.ClientAddress}} tcp dport {{Tcp.Port}} drop; }
                }
                """);
            return s;
        }
        catch
        {
            await s.DisposeAsync();
            throw;
        }
    }

    private static async Task<LabProcess> StartProxyAsync(ClientScenario s, (string User, string Password)? basicAuth)
    {
        string config = Path.Combine(s.Lab.WorkDir, "tinyproxy.conf");
        File.WriteAllText(config, $"""
            Port {ProxyPort}
            Listen {ScenarioLab.ServerPublicAddress}
            Timeout 60
            MaxClients 16
            LogLevel Info
            Allow {ScenarioLab.ClientAddress}
            {(basicAuth is { } a ? $"BasicAuth {a.User} {a.Password}" : "")}
            """);
        LabProcess proxy = s.Lab.StartProcess(s.Lab.Server, "tinyproxy", ["-d", "-c", config]);
        await proxy.WaitForOutputAsync("Starting main loop", StartTimeout);
        return proxy;
    }

    /// <summary>Connects our client or the real one with the edited profile: the intranet is unreachable before, reachable after.</summary>
    private async Task<LabProcess> ConnectAsync(ClientScenario s, OpenVpnVariant variant, Func<string, string> profile, bool real)
    {
        string name = real ? "openvpn" : "sharpvpn";
        OpenVpnConfigFile config = s.WriteClientConfig(variant, edit: profile, fileName: $"{name}-{Guid.NewGuid():N}"[..20]);
        await s.AssertIntranetUnreachableAsync();
        LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
        await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        output.WriteLine($"{name} connected through the proxy ({variant.Proto})");
        return client;
    }

    /// <summary><see cref="ConnectAsync"/> through tinyproxy, which must have opened a connection to <paramref name="expectedTarget"/>.</summary>
    private async Task<LabProcess> ConnectAndCheckAsync(ClientScenario s, LabProcess proxy, Func<string, string> profile, bool real,
        string expectedTarget)
    {
        string established = $"Established connection to host \"{expectedTarget.Split(':')[0]}\"";
        int connectsBefore = proxy.Lines.Count(l => l.Contains(established, StringComparison.Ordinal));
        LabProcess client = await ConnectAsync(s, Tcp, profile, real);
        Assert.True(proxy.Lines.Count(l => l.Contains(established, StringComparison.Ordinal)) > connectsBefore,
            $"tinyproxy did not connect to {expectedTarget}:\n{string.Join("\n", proxy.Lines.TakeLast(20))}");
        await client.StopAsync();
        return client;
    }

    [GeneratedRegex(@"^(remote|proto) .*\n", RegexOptions.Multiline)]
    private static partial Regex RemoteAndProto();
}
