using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>tls-verify</c> on our server and on the real openvpn 2.6 server with the same script and real openvpn clients:
/// the same calls (the CA at depth 1, then the client at depth 0) with the same variables, and a refused certificate
/// fails the TLS handshake (the client never gets in), as openvpn's does.
/// </summary>
[Trait("Category", "Interop")]
public sealed class TlsVerifyInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    private static readonly string[] Variables =
        ["script_type", "script_context", "untrusted_ip", "X509_1_CN", "tls_id_1", "tls_serial_1", "tls_digest_sha256_1", "dev", "ifconfig_local", "verb", "proto_1"];

    private static readonly string[] LeafVariables = ["common_name", "X509_0_CN", "tls_id_0", "tls_serial_0", "tls_serial_hex_0", "tls_digest_0", "tls_digest_sha256_0"];

    private static readonly string[] ClientSideVariables =
        ["script_type", "untrusted_ip", "untrusted_port", "X509_1_CN", "tls_id_1", "tls_serial_1", "X509_0_CN", "tls_id_0",
         "tls_digest_sha256_0", "common_name", "config", "verb", "remote_1", "remote_port_1", "proto_1"];

    // One line per call ("1 CN=SharpVPN Test CA"), the environment per depth; refuses the subject in 'refuse', if any.
    private static string Script(string dump) => $"""
        #!/bin/sh
        echo "$@" >> {dump}/calls
        env | sort > {dump}/env-$1
        [ -n "$peer_cert" ] && cat "$peer_cert" > {dump}/cert-$1
        [ "$2" = "CN=bob" ] && exit 1
        [ -e {dump}/refuse ] && [ "$2" = "$(cat {dump}/refuse)" ] && exit 1
        exit 0
        """;

    [Fact]
    public async Task CalledPerCertificate_AsTheRealOpenVpnServerCallsIt_ARefusalFailsTheHandshake()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, ["client", "bob"]);
        var seen = new Dictionary<bool, (string[] Calls, Dictionary<string, string> Ca, Dictionary<string, string> Leaf)>();
        var exported = new Dictionary<bool, string>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "verify-real" : "verify-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "verify-real.sh" : "verify-ours.sh"), Script(dump));
            string export = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "export-real" : "export-ours")).FullName;
            OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"tls-verify {script}", $"tls-export-cert {export}"] };
            await s.StartEitherServerAsync(v, real);
            LabProcess client = s.StartRealClient(s.WriteClientConfig(v));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            seen[real] = (File.ReadAllLines(Path.Combine(dump, "calls")), ScriptFiles.ReadEnvFile(Path.Combine(dump, "env-1")),
                ScriptFiles.ReadEnvFile(Path.Combine(dump, "env-0")));
            exported[real] = File.ReadAllText(Path.Combine(dump, "cert-0"));
            Assert.Empty(Directory.GetFiles(export)); // each exported certificate is removed after its call
            await client.StopAsync();

            LabProcess bob = s.StartRealClient(s.WriteClientConfig(v, "bob"));
            await s.Server!.WaitForOutputAsync("VERIFY SCRIPT ERROR: depth=0, CN=bob", StartTimeout);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain("Initialization Sequence Completed", bob.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("AUTH_FAILED", bob.Output, StringComparison.Ordinal); // a TLS failure, as openvpn's
            await bob.StopAsync();
            await s.Server!.StopAsync();
        }

        Assert.Equal(["1 CN=SharpVPN Test CA", "0 CN=client"], seen[true].Calls);
        Assert.Equal(seen[true].Calls, seen[false].Calls);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", exported[true], StringComparison.Ordinal);
        Assert.Equal(exported[true], exported[false]); // tls-export-cert: the same PEM text in $peer_cert
        Assert.All(new[] { seen[false].Ca, seen[false].Leaf, seen[true].Ca, seen[true].Leaf }, env => Assert.Contains("openvpn_pe", env["peer_cert"], StringComparison.Ordinal));
        foreach ((string depth, string[] names) in new[] { ("CA", Variables), ("leaf", Variables.Concat(LeafVariables).ToArray()) })
        {
            Dictionary<string, string> theirs = depth == "CA" ? seen[true].Ca : seen[true].Leaf;
            Dictionary<string, string> ours = depth == "CA" ? seen[false].Ca : seen[false].Leaf;
            foreach (string name in names)
            {
                Assert.True(theirs.ContainsKey(name), $"openvpn set no {name} at the {depth} (test assumption)");
                Assert.True(ours.TryGetValue(name, out string? value), $"we did not set {name} at the {depth}");
                Assert.Equal((name, theirs[name]), (name, value));
            }

            Assert.DoesNotContain(depth == "CA" ? "X509_0_CN" : "none", ours.Keys); // the leaf is not known yet at depth 1
            output.WriteLine($"{depth}: set by openvpn only: " + string.Join(' ', theirs.Keys.Where(k => !ours.ContainsKey(k)).Order(StringComparer.Ordinal)));
        }
    }

    [Fact]
    public async Task Client_CalledForTheServersChain_AsTheRealOpenVpnClientCallsIt_ARefusalKeepsItOut()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartEitherServerAsync(OpenVpnVariant.Modern, real: true);
        var seen = new Dictionary<bool, (string[] Calls, Dictionary<string, string> Leaf)>();
        foreach (bool real in new[] { true, false })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "cverify-real" : "cverify-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "cverify-real.sh" : "cverify-ours.sh"), Script(dump));
            OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["script-security 2", $"tls-verify {script}"] });
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            seen[real] = (File.ReadAllLines(Path.Combine(dump, "calls")), ScriptFiles.ReadEnvFile(Path.Combine(dump, "env-0")));
            await client.StopAsync();
            if (!real)
            {
                File.WriteAllText(Path.Combine(dump, "refuse"), "CN=server");
                LabProcess refused = s.StartOurClient(config);
                await refused.WaitForOutputAsync("VERIFY SCRIPT ERROR: depth=0, CN=server", StartTimeout);
                await Task.Delay(TimeSpan.FromSeconds(3));
                Assert.DoesNotContain("Initialization Sequence Completed", refused.Output, StringComparison.Ordinal);
                await refused.StopAsync();
            }
        }

        Assert.Equal(["1 CN=SharpVPN Test CA", "0 CN=server"], seen[true].Calls);
        Assert.Equal(seen[true].Calls, seen[false].Calls);
        foreach (string name in ClientSideVariables)
        {
            Assert.True(seen[true].Leaf.ContainsKey(name), $"openvpn set no {name} (test assumption)");
            Assert.True(seen[false].Leaf.TryGetValue(name, out string? value), $"our client did not set {name}");
            Assert.Equal((name, seen[true].Leaf[name]), (name, value));
        }

        output.WriteLine("set by openvpn only: " + string.Join(' ', seen[true].Leaf.Keys.Where(k => !seen[false].Leaf.ContainsKey(k)).Order(StringComparer.Ordinal)));
    }
}
