using System.Text;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Ed25519 certificates from <c>sharpvpn pki --algo ed</c> in the scenario lab: real openvpn 2.6
/// on both ends with an all-Ed25519 PKI and with mixed ones (Ed25519 CA over RSA/EC leaves and
/// the reverse), the Ed25519-signed CRL refusing a revoked client, an encrypted Ed25519 key via
/// askpass; and what our own SslStream-based TLS engine does with Ed25519.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PkiEd25519InteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("ed", "ed", "ed", "tls-crypt")]
    [InlineData("ed", "ed", "ed", "tls-auth")]
    [InlineData("ed", "rsa", "ec", "tls-crypt")]
    [InlineData("ec", "ed", "ed", "tls-crypt")]
    [InlineData("rsa", "ed", "ec", "tls-auth")]
    public async Task RealOpenVpn_WithOurEd25519Pki_ClientReachesIntranet(string caAlgo, string serverAlgo, string clientAlgo, string wrap)
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, caAlgo, serverAlgo);
        (await PkiAsync(pki, "--algo", clientAlgo, "build-client-full", "client1", "nopass")).EnsureSuccess();

        await lab.ApplyMasqueradeAsync();
        LabProcess srv = lab.StartOpenVpn(lab.Server, WriteServer(lab, pki, wrap, crl: true));
        LabProcess cli = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client1", wrap));
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await cli.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
            // openvpn logs each peer's key and the CA's signature on it: proof the Ed25519 ones were used.
            AssertPeer(cli, serverAlgo, caAlgo);
            AssertPeer(srv, clientAlgo, caAlgo);
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(60)}\n--- client ---\n{cli.Tail(60)}");
        }
    }

    [Fact]
    public async Task RealOpenVpn_Ed25519CaCrl_RefusesRevokedClient_AndEncryptedEd25519KeyWorksWithAskpass()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, "ed", "ed");
        (await PkiAsync(pki, "--algo", "ed", "--passout", "pass:Ed-Client-1", "build-client-full", "client1")).EnsureSuccess();
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", await File.ReadAllTextAsync(Path.Combine(pki, "private", "client1.key")), StringComparison.Ordinal);
        (await PkiAsync(pki, "--algo", "ed", "build-client-full", "client2", "nopass")).EnsureSuccess();
        (await PkiAsync(pki, "revoke", "client2", "keyCompromise")).EnsureSuccess();
        (await PkiAsync(pki, "gen-crl")).EnsureSuccess();
        string serial = Directory.GetFiles(Path.Combine(pki, "revoked", "certs_by_serial"), "*.crt").Single();
        string revokedKey = Path.Combine(pki, "revoked", "private_by_serial", Path.GetFileNameWithoutExtension(serial) + ".key");
        string askpass = Path.Combine(lab.WorkDir, "client1.pass");
        await File.WriteAllTextAsync(askpass, "Ed-Client-1\n");

        await lab.ApplyMasqueradeAsync();
        LabProcess srv = lab.StartOpenVpn(lab.Server, WriteServer(lab, pki, "tls-crypt", crl: true));
        LabProcess? revoked = null;
        LabProcess? good = null;
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

            revoked = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client2", "tls-crypt", cert: serial, key: revokedKey));
            string refusal = await srv.WaitForOutputAsync("certificate revoked", StartTimeout);
            Assert.Contains("CN=client2", refusal, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.DoesNotContain("Initialization Sequence Completed", revoked.Output, StringComparison.Ordinal);
            await revoked.StopAsync();

            good = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client1", "tls-crypt", extra: [$"askpass {askpass}"]));
            await good.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(80)}\n--- client2 ---\n{revoked?.Tail(40)}\n--- client1 ---\n{good?.Tail(40)}");
        }
    }

    /// <summary>
    /// Our TLS engine (SslStream) cannot hold an Ed25519 private key: sharpvpn server and client
    /// must refuse one up front with a one-line error (exit 2), not fail mid-handshake.
    /// </summary>
    [Fact]
    public async Task OurServerAndClient_WithEd25519Key_FailWithOneLineError()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, "ed", "ed");
        (await PkiAsync(pki, "--algo", "ed", "build-client-full", "client1", "nopass")).EnsureSuccess();
        OpenVpnConfigFile server = WriteServer(lab, pki, "tls-crypt", crl: false);
        OpenVpnConfigFile client = WriteClient(lab, pki, "client1", "tls-crypt");
        foreach ((LabHost host, string verb, OpenVpnConfigFile config) in new[] { (lab.Server, "server", server), (lab.Client, "client", client) })
        {
            CommandResult r = await lab.RunSharpVpnAsync(host, verb, "--config", config.ConfigPath);
            output.WriteLine($"sharpvpn {verb}: exit {r.ExitCode}: {r.StdErr}");
            Assert.Equal(2, r.ExitCode);
            string[] lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, r.ToString());
            Assert.StartsWith("sharpvpn: ", lines[0], StringComparison.Ordinal);
            Assert.Contains(config.ConfigPath, lines[0], StringComparison.Ordinal);
            Assert.Contains("Ed25519/Ed448 private keys are not supported", lines[0], StringComparison.Ordinal);
        }
    }

    /// <summary>An Ed25519 CA and server certificate are fine for our client as long as its own key is EC.</summary>
    [Fact]
    public async Task OurClient_WithEcKeyUnderEd25519Ca_ConnectsToRealOpenVpnWithEd25519Server()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, "ed", "ed");
        (await PkiAsync(pki, "--algo", "ec", "build-client-full", "client1", "nopass")).EnsureSuccess();

        await lab.ApplyMasqueradeAsync();
        LabProcess srv = lab.StartOpenVpn(lab.Server, WriteServer(lab, pki, "tls-crypt", crl: true));
        OpenVpnConfigFile client = WriteClient(lab, pki, "client1", "tls-crypt");
        LabProcess? ours = null;
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            ours = lab.StartSharpVpn(lab.Client, ["client", "--config", client.ConfigPath], followFile: client.LogPath);
            await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(60)}\n--- our client ---\n{ours?.Tail(60)}");
        }
    }

    /// <summary>"Control Channel: TLSv1.3, ..., peer certificate: 256 bits ED25519, signature: ED25519, ..." (openvpn 2.6).</summary>
    private static void AssertPeer(LabProcess openvpn, string keyAlgo, string caAlgo)
    {
        string line = openvpn.Lines.First(l => l.Contains("Control Channel:", StringComparison.Ordinal) && l.Contains("peer certificate:", StringComparison.Ordinal));
        Assert.Equal(keyAlgo == "ed", line.Contains("peer certificate: 256 bits ED25519", StringComparison.Ordinal));
        Assert.Equal(caAlgo == "ed", line.Contains("signature: ED25519", StringComparison.Ordinal));
    }

    /// <summary>The CLI face of --algo ed: show-cert, list, encrypted CA, curve mistakes as one-line errors.</summary>
    [Fact]
    public async Task Cli_AlgoEd_ShowsEd25519_AndMistakesAreOneLineErrors()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"svpkied-{Environment.ProcessId}-{Guid.NewGuid():N}");
        string pki = Path.Combine(dir, "pki");
        try
        {
            (await PkiAsync(pki, "init-pki")).EnsureSuccess();
            (await PkiAsync(pki, "--use-algo", "ed", "--curve", "ed25519", "--passout", "pass:Ed-Ca-Pass", "build-ca")).EnsureSuccess();
            (await PkiAsync(pki, "--algo", "ed", "--passin", "pass:Ed-Ca-Pass", "build-server-full", "server", "nopass")).EnsureSuccess();
            (await PkiAsync(pki, "--algo", "ed", "--curve", "ed448", "--passin", "pass:Ed-Ca-Pass", "build-client-full", "c448", "nopass")).EnsureSuccess();

            CommandResult show = (await PkiAsync(pki, "show-cert", "server")).EnsureSuccess();
            Assert.Matches(@"Key:\s+Ed25519", show.StdOut);
            Assert.Matches(@"Key:\s+Ed448", (await PkiAsync(pki, "show-cert", "c448")).EnsureSuccess().StdOut);
            Assert.Matches(@"server\s+server\s+[0-9A-F]{32}\s+valid", (await PkiAsync(pki, "list")).EnsureSuccess().StdOut);

            string caKey = Path.Combine(pki, "private", "ca.key");
            AssertOneLineError(await PkiAsync(pki, "--algo", "ed", "--passin", "pass:wrong-pass", "build-client-full", "c1", "nopass"), 2,
                $"Wrong passphrase for the private key {caKey}");
            Assert.False(File.Exists(Path.Combine(pki, "private", "c1.key")));
            AssertOneLineError(await PkiAsync(pki, "--algo", "ed", "--curve", "secp384r1", "gen-req", "c2", "nopass"), 2, "use ed25519 or ed448");
            AssertOneLineError(await PkiAsync(pki, "--algo", "ec", "--curve", "ed25519", "gen-req", "c3", "nopass"), 2, "--algo ed");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void AssertOneLineError(CommandResult r, int exitCode, string mustContain)
    {
        Assert.Equal(exitCode, r.ExitCode);
        string[] lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith("sharpvpn: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mustContain, lines[0], StringComparison.Ordinal);
    }

    /// <summary>CA and server with the sharpvpn CLI (nopass), dh.pem, an empty CRL and ta.key.</summary>
    private static async Task<string> BuildPkiAsync(ScenarioLab lab, string caAlgo, string serverAlgo)
    {
        string pki = Path.Combine(lab.WorkDir, "pki");
        (await PkiAsync(pki, "init-pki")).EnsureSuccess();
        (await PkiAsync(pki, "--algo", caAlgo, "--req-cn", "SharpVPN Ed25519 Test CA", "build-ca", "nopass")).EnsureSuccess();
        (await PkiAsync(pki, "--algo", serverAlgo, "build-server-full", "server", "nopass")).EnsureSuccess();
        (await PkiAsync(pki, "gen-dh")).EnsureSuccess();
        (await PkiAsync(pki, "gen-crl")).EnsureSuccess();
        (string file, string[] args) = SharpVpnCli.Invocation("genkey", "secret", Path.Combine(pki, "ta.key"));
        (await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(30), CancellationToken.None)).EnsureSuccess();
        return pki;
    }

    private static Task<CommandResult> PkiAsync(string pki, params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(["pki", "--pki-dir", pki, "--batch", .. args]);
        return ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(120), CancellationToken.None);
    }

    private static OpenVpnConfigFile WriteServer(ScenarioLab lab, string pki, string wrap, bool crl)
    {
        string dir = Path.Combine(lab.WorkDir, "server");
        Directory.CreateDirectory(dir);
        var file = new OpenVpnConfigFile(Path.Combine(dir, "server.conf"), Path.Combine(dir, "server.log"), Path.Combine(dir, "status.log"));
        var sb = new StringBuilder();
        sb.AppendLine("port 1194\nproto udp\ndev tun");
        sb.AppendLine($"ca {pki}/ca.crt\ncert {pki}/issued/server.crt\nkey {pki}/private/server.key\ndh {pki}/dh.pem");
        sb.AppendLine("server 10.0.1.0 255.255.255.0\npush \"route 192.168.1.0 255.255.255.0\"\nkeepalive 10 120");
        sb.AppendLine("remote-cert-tls client");
        sb.AppendLine(wrap == "tls-auth" ? $"tls-auth {pki}/ta.key 0" : $"tls-crypt {pki}/ta.key");
        if (crl)
        {
            sb.AppendLine($"crl-verify {pki}/crl.pem");
        }
        sb.AppendLine($"persist-key\npersist-tun\nlog {file.LogPath}\nverb 3");
        File.WriteAllText(file.ConfigPath, sb.ToString());
        return file;
    }

    private static OpenVpnConfigFile WriteClient(ScenarioLab lab, string pki, string name, string wrap, string? cert = null, string? key = null, string[]? extra = null)
    {
        string dir = Path.Combine(lab.WorkDir, "client-" + name);
        Directory.CreateDirectory(dir);
        var file = new OpenVpnConfigFile(Path.Combine(dir, name + ".conf"), Path.Combine(dir, name + ".log"), "");
        var sb = new StringBuilder();
        sb.AppendLine($"client\ndev tun\nproto udp\nremote {ScenarioLab.ServerPublicAddress} 1194\nnobind\npersist-key\npersist-tun");
        sb.AppendLine($"ca {pki}/ca.crt\ncert {cert ?? $"{pki}/issued/{name}.crt"}\nkey {key ?? $"{pki}/private/{name}.key"}");
        sb.AppendLine("remote-cert-tls server");
        sb.AppendLine(wrap == "tls-auth" ? $"tls-auth {pki}/ta.key 1" : $"tls-crypt {pki}/ta.key");
        foreach (string line in extra ?? [])
        {
            sb.AppendLine(line);
        }
        sb.AppendLine($"log {file.LogPath}\nverb 3");
        File.WriteAllText(file.ConfigPath, sb.ToString());
        return file;
    }
}
