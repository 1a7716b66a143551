using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>learn-address</c> on our server and on the real openvpn 2.6 server with the same script and a real openvpn
/// client: the same calls (add for the tunnel address and the client's iroute with its common name) with the same
/// variables, so per-client firewall scripts written for OpenVPN work unchanged; delete for both once the client left.
/// </summary>
[Trait("Category", "Interop")]
public sealed class LearnAddressInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    private static readonly string[] AddVariables =
        ["script_type", "script_context", "common_name", "trusted_ip", "untrusted_ip", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask", "X509_0_CN", "tls_serial_0",
         "IV_VER", "IV_PLAT", "dev", "ifconfig_local", "ifconfig_netmask", "tun_mtu", "verb", "proto_1"];

    // One line per call ("add 10.0.1.2 client"), and the environment of each call; 'refuse' makes adds fail.
    private static string Script(string dump) => $"""
        #!/bin/sh
        echo "$@" >> {dump}/calls
        env | sort > "{dump}/env-$1-$(echo "$2" | tr '/:' '__')"
        [ "$1" = "add" ] && [ -e {dump}/refuse ] && exit 1
        exit 0
        """;

    [Fact]
    public async Task Add_ForTheAddressAndTheIroute_AsTheRealOpenVpnServerCallsIt_DeleteAsSoonAsTheClientLeft()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string ccd = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "ccd")).FullName;
        File.WriteAllText(Path.Combine(ccd, "client"), "iroute 192.168.100.0 255.255.255.0\n");
        var seen = new Dictionary<bool, (string[] Adds, Dictionary<string, string> Env)>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "learn-real" : "learn-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "learn-real.sh" : "learn-ours.sh"), Script(dump));
            OpenVpnVariant v = OpenVpnVariant.Modern with
            {
                ServerExtra = ["script-security 2", $"learn-address {script}", $"client-config-dir {ccd}", "route 192.168.100.0 255.255.255.0"],
                ClientExtra = ["explicit-exit-notify 1"], // the server learns at once that the client left
            };
            await s.StartEitherServerAsync(v, real);
            LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            seen[real] = (await WaitForCallsAsync(dump, 2), ScriptFiles.ReadEnvFile(Path.Combine(dump, "env-add-10.0.1.2")));
            await client.StopAsync();
            if (!real)
            {
                // openvpn 2.6 runs delete only when its route reaper next passes (on an idle server that can take minutes,
                // and a client back by then shows as 'update'); ours runs it as the client goes, with only script_type set.
                string[] calls = await WaitForCallsAsync(dump, 4);
                Assert.Equal(["delete 10.0.1.2", "delete 192.168.100.0/24"], calls[2..]);
                Assert.Equal(["PATH", "PWD", "script_type"], ScriptFiles.ReadEnvFile(Path.Combine(dump, "env-delete-10.0.1.2")).Keys.Order(StringComparer.Ordinal));
            }

            await s.Server!.StopAsync();
        }

        Assert.Equal(["add 10.0.1.2 client", "add 192.168.100.0/24 client"], seen[true].Adds);
        Assert.Equal(seen[true].Adds, seen[false].Adds);
        foreach (string name in AddVariables)
        {
            Assert.True(seen[true].Env.ContainsKey(name), $"openvpn set no {name} for add (test assumption)");
            Assert.True(seen[false].Env.TryGetValue(name, out string? value), $"we did not set {name} for add");
            Assert.Equal((name, seen[true].Env[name]), (name, value));
        }

        Assert.True(seen[false].Env.ContainsKey("time_unix") && seen[false].Env.ContainsKey("time_ascii"));
        output.WriteLine("add, set by openvpn only: " + string.Join(' ', seen[true].Env.Keys.Where(k => !seen[false].Env.ContainsKey(k)).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public async Task AFailedAdd_RefusesTheClient_WhichStaysOutOfTheIntranet()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "learn")).FullName;
        File.WriteAllText(Path.Combine(dump, "refuse"), string.Empty);
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "learn.sh"), Script(dump));
        OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"learn-address {script}"] };
        await s.StartServerAsync(v);
        LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
        await client.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
        Assert.DoesNotContain("Initialization Sequence Completed", client.Output, StringComparison.Ordinal);
        await s.Server!.WaitForOutputAsync("learn-address add 10.0.1.2 exited with code 1", StartTimeout);
        await client.StopAsync();
        Assert.Contains("delete 10.0.1.2", await WaitForCallsAsync(dump, 2)); // what the add may have set up is taken down
    }

    private static async Task<string[]> WaitForCallsAsync(string dump, int count)
    {
        string path = Path.Combine(dump, "calls");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            string[] calls = File.Exists(path) ? File.ReadAllLines(path) : [];
            if (calls.Length >= count)
            {
                return calls;
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(40), $"only {calls.Length} learn-address calls: {string.Join(" | ", calls)}");
            await Task.Delay(200);
        }
    }
}
