using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>up</c>, <c>route-up</c> and <c>down</c> scripts on the server and on the client, as OpenVPN 2.6 runs them: the same script under
/// our side and under the real openvpn gets the same arguments and variables, so firewall or DNS scripts written for
/// OpenVPN (update-resolv-conf reads the pushed dhcp-options as foreign_option_N) work unchanged.
/// </summary>
[Trait("Category", "Interop")]
public sealed class UpDownScriptInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    private static readonly string[] ServerVariables =
        ["dev", "dev_type", "tun_mtu", "script_type", "script_context", "ifconfig_local", "ifconfig_netmask", "daemon", "daemon_log_redirect",
         "verb", "proto_1", "local_port_1", "remote_port_1"];

    private static readonly string[] ClientVariables =
        ["dev", "dev_type", "tun_mtu", "script_type", "script_context", "ifconfig_local", "ifconfig_netmask", "daemon", "daemon_log_redirect",
         "verb", "proto_1", "remote_1", "remote_port_1", "common_name", "X509_0_CN", "X509_1_CN", "tls_id_0", "tls_id_1", "tls_serial_0",
         "tls_serial_hex_1", "tls_digest_sha256_0", "tls_digest_1", "trusted_ip", "trusted_port", "untrusted_ip", "untrusted_port",
         "foreign_option_1", "foreign_option_2", "route_vpn_gateway", "route_net_gateway", "route_network_1", "route_netmask_1", "route_gateway_1"];

    private static readonly string[] IpchangeVariables =
        ["script_type", "common_name", "trusted_ip", "trusted_port", "untrusted_ip", "untrusted_port", "X509_0_CN", "tls_id_1", "remote_1", "proto_1", "verb"];

    private static readonly string[] ServerTypes = ["up", "route-up", "route-pre-down", "down"];

    private static readonly string[] ClientTypes = ["ipchange", "up", "route-up", "route-pre-down", "down"];

    private static readonly string[] Pushes = ["push \"dhcp-option DNS 10.0.1.1\"", "push \"dhcp-option DOMAIN corp.example\""];

    // Records its arguments and environment per script type, under the name of the side that ran it.
    private static string DumpScript(string dump) => $"""
        #!/bin/sh
        echo "$@" > {dump}/args-$script_type
        env | sort > {dump}/env-$script_type
        exit 0
        """;

    [Fact]
    public async Task Server_UpAndDown_GetWhatTheRealOpenVpnServerGivesThem()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        var seen = new Dictionary<bool, Dictionary<string, (string Args, Dictionary<string, string> Env)>>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "dump-real" : "dump-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "updown-real.sh" : "updown-ours.sh"), DumpScript(dump));
            OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"up {script}", $"route-up {script}", $"route-pre-down {script}", $"down {script}", .. Pushes] };
            await s.StartEitherServerAsync(v, real);
            Assert.True(File.Exists(Path.Combine(dump, "args-up")), "up did not run before the server was ready");
            LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();
            Assert.False(File.Exists(Path.Combine(dump, "args-down")), "down ran before the server stopped");
            await s.Server!.StopAsync();
            seen[real] = Read(dump, ServerTypes);
        }

        AssertSame(seen, ServerVariables, ServerTypes);
    }

    [Fact]
    public async Task Client_UpAndDown_GetWhatTheRealOpenVpnClientGivesThem_PushedDhcpOptionsIncluded()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant server = OpenVpnVariant.Modern with { ServerExtra = [.. Pushes] };
        await s.StartEitherServerAsync(server, real: true);
        var seen = new Dictionary<bool, Dictionary<string, (string Args, Dictionary<string, string> Env)>>();
        foreach (bool real in new[] { true, false })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "client-real" : "client-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "cupdown-real.sh" : "cupdown-ours.sh"), DumpScript(dump));
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["script-security 2", $"up {script}", $"route-up {script}", $"route-pre-down {script}", $"down {script}", $"ipchange {script}"] });
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            Assert.True(File.Exists(Path.Combine(dump, "args-up")), "up did not run before the tunnel was announced");
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();
            seen[real] = Read(dump, ClientTypes);
        }

        AssertSame(seen, ClientVariables, ClientTypes);
        Assert.Equal("dhcp-option DNS 10.0.1.1", seen[false]["up"].Env["foreign_option_1"]);
        Assert.Equal("sigterm", seen[false]["down"].Env["signal"]);
    }

    [Fact]
    public async Task Client_Dns26Options_FromConfigAndPush_ReachTheScriptsAsFromTheRealOpenVpnClient()
    {
        // OpenVPN 2.6's structured dns option: pushed servers (priority 0..127) replace the config's of the same
        // priority and merge in priority order, search domains append; scripts get dns_* variables, and the foreign
        // options' dhcp-option DNS/DNS6/DOMAIN-SEARCH are rewritten from them (other dhcp-options stay first).
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            ServerExtra =
            [
                "push \"dhcp-option DNS 10.0.1.1\"", "push \"dhcp-option DOMAIN corp.example\"", "push \"dhcp-option DOMAIN-SEARCH old.example\"",
                "push \"dns server 1 address 10.0.1.53 [fd00::53]:5353\"", "push \"dns server 1 resolve-domains corp.example intra.example\"",
                "push \"dns server 0 address 10.0.1.54:53\"", "push \"dns server 0 dnssec yes\"", "push \"dns server 0 transport DoT\"",
                "push \"dns server 0 sni dns.corp.example\"", "push \"dns search-domains corp.example lab.example\"",
            ],
        };
        await s.StartEitherServerAsync(server, real: true);
        var seen = new Dictionary<bool, Dictionary<string, string>>();
        foreach (bool real in new[] { true, false })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "dns-real" : "dns-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "dns-real.sh" : "dns-ours.sh"), DumpScript(dump));
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with
            {
                ClientExtra =
                [
                    "script-security 2", $"up {script}", "dns server -5 address 10.0.9.9", "dns server 1 address 10.0.8.8",
                    "dns search-domains local.example",
                ],
            });
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await client.StopAsync();
            seen[real] = Read(dump, ["up"])["up"].Env
                .Where(kv => kv.Key.StartsWith("dns_", StringComparison.Ordinal) || kv.Key.StartsWith("foreign_option_", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            output.WriteLine($"{(real ? "openvpn" : "sharpvpn")}: {string.Join(' ', seen[real].OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"))}");
        }

        Assert.Equal("10.0.9.9", seen[true]["dns_server_1_address_1"]); // the reference's merge (test assumption)
        Assert.Equal("DoT", seen[true]["dns_server_2_transport"]);
        Assert.Equal(seen[true].OrderBy(kv => kv.Key, StringComparer.Ordinal), seen[false].OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Client_UpRestartAndDownPre_WithPersistTun_TheSameCallsAsTheRealOpenVpnClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant server = OpenVpnVariant.Modern with { ServerExtra = ["explicit-exit-notify 1"] };
        var seen = new Dictionary<bool, string[]>();
        foreach (bool real in new[] { true, false })
        {
            await s.StartEitherServerAsync(server, real: true);
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "restart-real" : "restart-ours")).FullName;
            // One line per call: type, context (its last argument) and whether the device still exists.
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "restart-real.sh" : "restart-ours.sh"), $"""
                #!/bin/sh
                for last in "$@"; do :; done
                if [ -e /sys/class/net/$dev ]; then device=present; else device=gone; fi
                echo "$script_type $last $script_context $device" >> {dump}/calls
                """);
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with
            {
                ClientExtra = ["script-security 2", $"up {script}", $"down {script}", "persist-tun", "up-restart", "down-pre"],
            });
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            int mark = client.LineCount;
            await s.StartEitherServerAsync(server, real: true); // a restart: the client reconnects and keeps its device
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();
            seen[real] = File.ReadAllLines(Path.Combine(dump, "calls"));
            output.WriteLine($"{(real ? "openvpn" : "ours")}: {string.Join(" | ", seen[real])}");
        }

        Assert.Equal(["up init init present", "down restart restart present", "up restart restart present", "down init init present"], seen[true]);
        Assert.Equal(seen[true], seen[false]);
    }

    [Fact]
    public async Task AFailingUpScript_StopsTheServerAndTheClient_AsOpenVpnDoes()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string failing = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "fail.sh"), "#!/bin/sh\nexit 3");
        OpenVpnVariant bad = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"up {failing}"] };
        s.UseRealOpenVpnServer(bad);
        LabProcess realServer = s.Lab.StartOpenVpn(s.Lab.Server, s.ServerConfig!);
        Assert.True(await realServer.WaitForExitAsync(StartTimeout), "the real openvpn server kept running after its up script failed");
        Assert.NotEqual(0, realServer.ExitCode);
        await Assert.ThrowsAnyAsync<Exception>(() => s.StartServerAsync(bad));
        Assert.True(await s.Server!.WaitForExitAsync(StartTimeout), "our server kept running after its up script failed");
        Assert.NotEqual(0, s.Server.ExitCode);
        Assert.Contains("The up script failed", s.Server.Output, StringComparison.Ordinal);

        await s.StartEitherServerAsync(OpenVpnVariant.Modern, real: false);
        LabProcess client = s.StartOurClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["script-security 2", $"up {failing}"] }));
        Assert.True(await client.WaitForExitAsync(StartTimeout), "our client kept running after its up script failed");
        Assert.NotEqual(0, client.ExitCode);
        Assert.Contains("exited with code 3", client.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Initialization Sequence Completed", client.Output, StringComparison.Ordinal);
    }

    private void AssertSame(Dictionary<bool, Dictionary<string, (string Args, Dictionary<string, string> Env)>> seen, string[] names, string[] types)
    {
        foreach (string type in types)
        {
            (string args, Dictionary<string, string> env) = seen[false][type];
            (string theirArgs, Dictionary<string, string> theirEnv) = seen[true][type];
            Assert.Equal(theirArgs, args);
            string[] expected = type switch
            {
                "down" or "route-pre-down" => [.. names, "signal", "redirect_gateway"],
                "route-up" => [.. names, "redirect_gateway"],
                "ipchange" => IpchangeVariables, // before the tun device exists
                _ => names,
            };
            foreach (string name in expected)
            {
                Assert.True(theirEnv.ContainsKey(name), $"openvpn set no {name} for {type} (test assumption)");
                Assert.True(env.TryGetValue(name, out string? value), $"we did not set {name} for {type}");
                Assert.Equal((name, theirEnv[name]), (name, value));
            }

            output.WriteLine($"{type}: args '{args}'; set by openvpn only: " + string.Join(' ', theirEnv.Keys.Where(k => !env.ContainsKey(k)).Order(StringComparer.Ordinal)));
        }
    }

    private static Dictionary<string, (string Args, Dictionary<string, string> Env)> Read(string dump, string[] types)
    {
        var result = new Dictionary<string, (string, Dictionary<string, string>)>();
        foreach (string type in types)
        {
            string args = Path.Combine(dump, $"args-{type}");
            Assert.True(File.Exists(args), $"the {type} script did not run ({dump})");
            result[type] = (File.ReadAllText(args).Trim(), ScriptFiles.ReadEnvFile(Path.Combine(dump, $"env-{type}")));
        }

        return result;
    }
}
