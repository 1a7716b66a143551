using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>tls-crypt-v2-verify</c> on our server and on the real openvpn 2.6 server with the same script and real openvpn
/// clients: the script sees the same metadata (type and file) for a client key, and a key it refuses keeps its client
/// out before any session exists, so a revoked tls-crypt-v2 client key stays out under both.
/// </summary>
[Trait("Category", "Interop")]
public sealed class TlsCryptV2VerifyInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    // Records what it is told (environment, the metadata file's content); refuses the key whose metadata is "blocked".
    private static string Script(string dump) => $"""
        #!/bin/sh
        env | sort > {dump}/env
        cat "$metadata_file" > {dump}/metadata
        [ "$(cat "$metadata_file")" = "blocked" ] && exit 1
        exit 0
        """;

    [Fact]
    public async Task SeesTheKeysMetadata_AsTheRealOpenVpnServerShowsIt_ARefusedKeyStaysOut()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string serverKey = Path.Combine(s.Pki.Directory, "tc2v-server.key");
        (await ProcessRunner.RunAsync("openvpn", ["--genkey", "tls-crypt-v2-server", serverKey], TimeSpan.FromSeconds(30), CancellationToken.None)).EnsureSuccess();
        string alice = await ClientKeyAsync(s, serverKey, "alice");
        string blocked = await ClientKeyAsync(s, serverKey, "blocked");
        var seen = new Dictionary<bool, (Dictionary<string, string> Env, string Metadata)>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "v2-real" : "v2-ours")).FullName;
            string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, real ? "v2-real.sh" : "v2-ours.sh"), Script(dump));
            OpenVpnVariant server = OpenVpnVariant.Modern with
            {
                TlsWrap = TlsWrapMode.None,
                ServerExtra = ["script-security 2", $"tls-crypt-v2 {serverKey}", $"tls-crypt-v2-verify {script}"],
            };
            await s.StartEitherServerAsync(server, real);

            LabProcess client = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern with { TlsWrap = TlsWrapMode.None, ClientExtra = [$"tls-crypt-v2 {alice}"] }));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            seen[real] = (ScriptFiles.ReadEnvFile(Path.Combine(dump, "env")), File.ReadAllText(Path.Combine(dump, "metadata")));
            await client.StopAsync();

            LabProcess refused = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern with { TlsWrap = TlsWrapMode.None, ClientExtra = [$"tls-crypt-v2 {blocked}"] }));
            await s.Server!.WaitForOutputAsync("TLS CRYPT V2 VERIFY SCRIPT ERROR", StartTimeout);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain("Initialization Sequence Completed", refused.Output, StringComparison.Ordinal);
            await refused.StopAsync();
            await s.Server.StopAsync();
        }

        Assert.Equal("alice", seen[true].Metadata);
        Assert.Equal(seen[true].Metadata, seen[false].Metadata);
        foreach (string name in new[] { "script_type", "metadata_type" })
        {
            Assert.Equal((name, seen[true].Env[name]), (name, seen[false].Env[name]));
        }

        Assert.True(seen[false].Env.ContainsKey("metadata_file"));
        output.WriteLine("openvpn: " + string.Join(' ', seen[true].Env.Keys.Order(StringComparer.Ordinal)));
        output.WriteLine("ours:    " + string.Join(' ', seen[false].Env.Keys.Order(StringComparer.Ordinal)));
    }

    /// <summary>A tls-crypt-v2 client key with user metadata, made by sharpvpn (openvpn's genkey writes a timestamp).</summary>
    private static async Task<string> ClientKeyAsync(ServerScenario s, string serverKey, string metadata)
    {
        string path = Path.Combine(s.Pki.Directory, $"tc2v-{metadata}.key");
        (string file, string[] args) = SharpVpnCli.Invocation("genkey", "tls-crypt-v2-client", path, "--server-key", serverKey, "--metadata", metadata);
        (await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(60), CancellationToken.None)).EnsureSuccess();
        return path;
    }
}
