using System.Text;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Real openvpn 2.6 on both ends of the scenario lab, using ONLY files made by SharpVPN: CA,
/// certificates, keys, CRL and dh.pem from <c>sharpvpn pki</c>, ta.key from <c>sharpvpn genkey
/// secret</c>. The server runs with <c>remote-cert-tls client</c> and the
/// clients with <c>remote-cert-tls server</c>, so openvpn checks our key usages too.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PkiInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("tls-auth", "rsa")]
    [InlineData("tls-crypt", "ec")]
    [InlineData("tls-crypt-v2", "ec")]
    public async Task RealOpenVpn_WithOnlyOurPki_ClientReachesIntranet(string wrap, string algo)
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, algo, "client1");
        OpenVpnConfigFile server = WriteServer(lab, pki, wrap, crl: false);
        OpenVpnConfigFile client = WriteClient(lab, pki, "client1", wrap);

        await lab.ApplyMasqueradeAsync();
        LabProcess srv = lab.StartOpenVpn(lab.Server, server);
        LabProcess cli = lab.StartOpenVpn(lab.Client, client);
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await cli.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(60)}\n--- client ---\n{cli.Tail(60)}");
        }
    }

    [Fact]
    public async Task RealOpenVpn_WithOurCrl_RefusesRevokedClientAndAcceptsOthers()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, "ec", "client1", "client2");
        (await SharpVpnAsync(pki, "revoke", "client2", "keyCompromise")).EnsureSuccess();
        (await SharpVpnAsync(pki, "gen-crl")).EnsureSuccess();
        // revoke moves the files away, as easy-rsa does; the client still has its copy.
        string serial = Directory.GetFiles(Path.Combine(pki, "revoked", "certs_by_serial"), "*.crt").Single();
        string c2Dir = Path.Combine(lab.WorkDir, "client2-files");
        Directory.CreateDirectory(c2Dir);
        File.Copy(serial, Path.Combine(c2Dir, "client2.crt"));
        File.Copy(Path.Combine(pki, "revoked", "private_by_serial", Path.GetFileNameWithoutExtension(serial) + ".key"), Path.Combine(c2Dir, "client2.key"));

        await lab.ApplyMasqueradeAsync();
        OpenVpnConfigFile server = WriteServer(lab, pki, "tls-auth", crl: true);
        LabProcess srv = lab.StartOpenVpn(lab.Server, server);
        LabProcess? revoked = null;
        LabProcess? good = null;
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

            revoked = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client2", "tls-auth",
                cert: Path.Combine(c2Dir, "client2.crt"), key: Path.Combine(c2Dir, "client2.key")));
            string refusal = await srv.WaitForOutputAsync("certificate revoked", StartTimeout);
            Assert.Contains("CN=client2", refusal, StringComparison.Ordinal);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.DoesNotContain("Initialization Sequence Completed", revoked.Output, StringComparison.Ordinal);
            Assert.False((await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 1, timeout: TimeSpan.FromSeconds(2))).AnyReceived);
            await revoked.StopAsync();

            good = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client1", "tls-auth"));
            await good.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(80)}\n--- client2 ---\n{revoked?.Tail(40)}\n--- client1 ---\n{good?.Tail(40)}");
        }
    }

    [Fact]
    public async Task RealOpenVpn_UsesOurEncryptedClientKeyWithAskpass()
    {
        await using ScenarioLab lab = await ScenarioLab.CreateAsync();
        string pki = await BuildPkiAsync(lab, "rsa");
        (await SharpVpnAsync(pki, "--passout", "pass:Client3-Secret", "build-client-full", "client3")).EnsureSuccess();
        Assert.Contains("BEGIN ENCRYPTED PRIVATE KEY", await File.ReadAllTextAsync(Path.Combine(pki, "private", "client3.key")), StringComparison.Ordinal);
        string askpass = Path.Combine(lab.WorkDir, "client3.pass");
        await File.WriteAllTextAsync(askpass, "Client3-Secret\n");

        await lab.ApplyMasqueradeAsync();
        LabProcess srv = lab.StartOpenVpn(lab.Server, WriteServer(lab, pki, "tls-auth", crl: true));
        LabProcess cli = lab.StartOpenVpn(lab.Client, WriteClient(lab, pki, "client3", "tls-auth", extra: [$"askpass {askpass}"]));
        try
        {
            await srv.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await cli.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            PingResult ping = await lab.PingAsync(lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping.ToString());
        }
        finally
        {
            output.WriteLine($"--- server ---\n{srv.Tail(60)}\n--- client ---\n{cli.Tail(60)}");
        }
    }

    /// <summary>CA, server and clients with the sharpvpn CLI (nopass), dh.pem, an empty CRL and ta.key (sharpvpn genkey).</summary>
    private static async Task<string> BuildPkiAsync(ScenarioLab lab, string algo, params string[] clients)
    {
        string pki = Path.Combine(lab.WorkDir, "pki");
        (await SharpVpnAsync(pki, "init-pki")).EnsureSuccess();
        (await SharpVpnAsync(pki, "--algo", algo, "--req-cn", "SharpVPN PKI Test CA", "build-ca", "nopass")).EnsureSuccess();
        (await SharpVpnAsync(pki, "--algo", algo, "build-server-full", "server", "nopass")).EnsureSuccess();
        foreach (string c in clients)
        {
            (await SharpVpnAsync(pki, "--algo", algo, "build-client-full", c, "nopass")).EnsureSuccess();
        }
        (await SharpVpnAsync(pki, "gen-dh")).EnsureSuccess();
        (await SharpVpnAsync(pki, "gen-crl")).EnsureSuccess();
        await GenkeyAsync("secret", Path.Combine(pki, "ta.key"));
        await GenkeyAsync("tls-crypt-v2-server", Path.Combine(pki, "tc2-server.key"));
        foreach (string c in clients)
        {
            await GenkeyAsync("tls-crypt-v2-client", Path.Combine(pki, $"tc2-{c}.key"), "--server-key", Path.Combine(pki, "tc2-server.key"));
        }
        return pki;
    }

    private static async Task GenkeyAsync(params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(["genkey", .. args]);
        (await ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(30), CancellationToken.None)).EnsureSuccess();
    }

    private static Task<CommandResult> SharpVpnAsync(string pki, params string[] args)
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
        sb.AppendLine(wrap switch
        {
            "tls-auth" => $"tls-auth {pki}/ta.key 0",
            "tls-crypt" => $"tls-crypt {pki}/ta.key",
            _ => $"tls-crypt-v2 {pki}/tc2-server.key",
        });
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
        sb.AppendLine(wrap switch
        {
            "tls-auth" => $"tls-auth {pki}/ta.key 1",
            "tls-crypt" => $"tls-crypt {pki}/ta.key",
            _ => $"tls-crypt-v2 {pki}/tc2-{name}.key",
        });
        foreach (string line in extra ?? [])
        {
            sb.AppendLine(line);
        }
        sb.AppendLine($"log {file.LogPath}\nverb 3");
        File.WriteAllText(file.ConfigPath, sb.ToString());
        return file;
    }
}

/// <summary>
/// The <c>sharpvpn pki</c> command line as a user meets it: exit codes (0 ok, 1 usage, 2 failure),
/// one-line errors naming the file, and the warnings of <c>list</c>.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PkiCliTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"svpkicli-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public PkiCliTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Pki => Path.Combine(_dir, "pki");

    private Task<CommandResult> Run(params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(["pki", "--pki-dir", Pki, "--batch", .. args]);
        return ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(120), CancellationToken.None);
    }

    private static void AssertOneLineError(CommandResult r, int exitCode, string mustContain)
    {
        Assert.Equal(exitCode, r.ExitCode);
        string[] lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, r.ToString());
        Assert.StartsWith("sharpvpn: ", lines[0], StringComparison.Ordinal);
        Assert.Contains(mustContain, lines[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptedCa_WrongPassphraseAndMissingPassphrase_AreOneLineErrors()
    {
        (await Run("init-pki")).EnsureSuccess();
        (await Run("--passout", "pass:ca-pass-1", "build-ca")).EnsureSuccess();
        string caKey = Path.Combine(Pki, "private", "ca.key");
        AssertOneLineError(await Run("--passin", "pass:nope", "build-client-full", "c1", "nopass"), 2, $"Wrong passphrase for the private key {caKey}");
        AssertOneLineError(await Run("build-client-full", "c1", "nopass"), 2, caKey);
        Assert.False(File.Exists(Path.Combine(Pki, "private", "c1.key")));
        Environment.SetEnvironmentVariable("SV_PKI_CLI_PASS", "ca-pass-1");
        (await Run("--passin", "env:SV_PKI_CLI_PASS", "build-client-full", "c1", "nopass")).EnsureSuccess();
        // A new key needs a passphrase or 'nopass' in batch mode.
        AssertOneLineError(await Run("--passin", "pass:ca-pass-1", "build-client-full", "c2"), 1, "nopass");
    }

    [Fact]
    public async Task ExistingCa_IsKeptWithoutForce()
    {
        (await Run("init-pki")).EnsureSuccess();
        (await Run("--algo", "ec", "build-ca", "nopass")).EnsureSuccess();
        string before = await File.ReadAllTextAsync(Path.Combine(Pki, "ca.crt"));
        AssertOneLineError(await Run("--algo", "ec", "build-ca", "nopass"), 2, Path.Combine(Pki, "ca.crt"));
        Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(Pki, "ca.crt")));
        AssertOneLineError(await Run("init-pki"), 2, "--force");
        (await Run("--algo", "ec", "--force", "build-ca", "nopass")).EnsureSuccess();
        Assert.NotEqual(before, await File.ReadAllTextAsync(Path.Combine(Pki, "ca.crt")));
    }

    [Fact]
    public async Task List_ShowsTableAndWarnsAboutExpiringCertificatesAndCrl()
    {
        (await Run("init-pki")).EnsureSuccess();
        (await Run("--algo", "ec", "build-ca", "nopass")).EnsureSuccess();
        (await Run("--algo", "ec", "build-server-full", "server", "nopass")).EnsureSuccess();
        (await Run("--algo", "ec", "--days=10", "build-client-full", "shortlived", "nopass")).EnsureSuccess();
        (await Run("--algo", "ec", "build-client-full", "gone", "nopass")).EnsureSuccess();
        (await Run("revoke", "gone", "superseded")).EnsureSuccess();

        CommandResult list = (await Run("list")).EnsureSuccess();
        Assert.Matches(@"NAME\s+TYPE\s+SERIAL\s+STATUS\s+EXPIRES\s+DAYS LEFT", list.StdOut);
        Assert.Matches(@"server\s+server\s+[0-9A-F]{32}\s+valid\s+\d{4}-\d\d-\d\d\s+82[45]", list.StdOut);
        Assert.Matches(@"gone\s+client\s+[0-9A-F]{32}\s+revoked \(superseded\)", list.StdOut);
        Assert.Contains("certificate 'shortlived' expires in", list.StdErr, StringComparison.Ordinal);
        Assert.Contains("no crl.pem", list.StdErr, StringComparison.Ordinal);

        (await Run("--days", "5", "gen-crl")).EnsureSuccess();
        list = (await Run("list")).EnsureSuccess();
        Assert.Contains("the CRL expires in", list.StdErr, StringComparison.Ordinal);
        Assert.Contains("rejects every client", list.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VarsFile_EasyRsa2Form_FillsTheSubject_AndBadLinesNameFileAndLine()
    {
        string vars = Path.Combine(_dir, "vars");
        await File.WriteAllTextAsync(vars, "export KEY_COUNTRY=\"CN\"\nexport KEY_PROVINCE=\"BJ\"\nexport KEY_CITY=\"Beijing\"\nexport KEY_ORG=\"Acme\"\nexport KEY_EMAIL=\"it@acme.test\"\nexport KEY_OU=\"IT\"\n");
        (await Run("init-pki")).EnsureSuccess();
        (await Run("--vars", vars, "--dn-mode", "org", "--algo", "ec", "build-ca", "nopass")).EnsureSuccess();
        (await Run("--vars", vars, "--dn-mode", "org", "--algo", "ec", "build-client-full", "laptop", "nopass")).EnsureSuccess();
        CommandResult show = (await Run("show-cert", "laptop")).EnsureSuccess();
        Assert.Contains("C=CN", show.StdOut, StringComparison.Ordinal);
        Assert.Contains("O=Acme", show.StdOut, StringComparison.Ordinal);
        Assert.Contains("CN=laptop", show.StdOut, StringComparison.Ordinal);

        await File.WriteAllTextAsync(vars, "# comment\nexport KEY_SIZE=huge\n");
        AssertOneLineError(await Run("--vars", vars, "gen-req", "x", "nopass"), 2, $"{vars}:2: KEY_SIZE");
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task GenDh_Generate_ShowsProgressAndPassesOpensslCheck()
    {
        (await Run("init-pki")).EnsureSuccess();
        CommandResult r = (await Run("gen-dh", "--generate", "512")).EnsureSuccess();
        Assert.Contains("*", r.StdErr, StringComparison.Ordinal);
        CommandResult check = await ProcessRunner.RunAsync("openssl", ["dhparam", "-check", "-noout", "-in", Path.Combine(Pki, "dh.pem")], TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.Contains("DH parameters appear to be ok", check.StdOut + check.StdErr, StringComparison.Ordinal);
        AssertOneLineError(await Run("gen-dh"), 2, Path.Combine(Pki, "dh.pem"));
    }

    [Fact]
    public async Task UsageMistakes_ExitWithOne()
    {
        (await Run("init-pki")).EnsureSuccess();
        AssertOneLineError(await Run("sign-req", "laptop", "x"), 1, "Unknown certificate type 'laptop'");
        AssertOneLineError(await Run("build-client-full", "x", "nopas"), 1, "'nopas'");
        AssertOneLineError(await Run("revoke", "x", "because"), 1, "Unknown revocation reason");
    }
}
