using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// What names a client on the server: <c>username-as-common-name</c> (the username auth-user-pass-verify accepted)
/// and <c>x509-username-field</c> (a certificate field instead of the CN), under OUR server and the REAL openvpn 2.6
/// server with the same config and real openvpn clients: the client-config-dir file of that name is applied, scripts
/// see it as common_name, the status file lists it; a certificate without the field is refused by both.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientNameInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    // What both servers must give client-connect alike.
    private static readonly string[] SameConnectVariables =
        ["script_type", "common_name", "username", "trusted_ip", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask", "X509_0_CN",
         "X509_0_emailAddress", "tls_id_0", "tls_serial_0", "IV_VER", "dev", "ifconfig_local", "ifconfig_netmask", "script_context"];

    // auth-user-pass-verify (via-env) accepts everyone and records its environment; client-connect and learn-address
    // record theirs and their arguments.
    private static string AuthScript(string dump) => $"""
        #!/bin/sh
        env | sort > "{dump}/auth-env"
        exit 0
        """;

    private static string ConnectScript(string dump) => $"""
        #!/bin/sh
        env | sort > "{dump}/connect-env"
        exit 0
        """;

    private static string LearnScript(string dump) => $"""
        #!/bin/sh
        echo "$@" >> "{dump}/learn-calls"
        exit 0
        """;

    [Fact]
    public async Task UsernameAsCommonName_NamesTheClientByItsUsername_CcdScriptsStatus_AsTheRealOpenVpnServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string ccd = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "ccd")).FullName;
        File.WriteAllText(Path.Combine(ccd, "alice"), "ifconfig-push 10.0.1.77 255.255.255.0\n"); // by the username, not the CN 'client'
        OpenVpnConfigFile alice = ScriptFiles.ClientWithPassword(s, "alice", "alice", "pw");

        var seen = new Dictionary<bool, Dictionary<string, string>>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "dump-real" : "dump-ours")).FullName;
            OpenVpnVariant server = OpenVpnVariant.Modern with
            {
                ServerExtra =
                [
                    "script-security 3",
                    $"auth-user-pass-verify {Script(s, "auth", real, AuthScript(dump))} via-env",
                    "username-as-common-name",
                    $"client-config-dir {ccd}",
                    $"client-connect {Script(s, "connect", real, ConnectScript(dump))}",
                    $"learn-address {Script(s, "learn", real, LearnScript(dump))}",
                ],
            };
            string who = real ? "openvpn" : "our server";
            await s.StartEitherServerAsync(server, real);
            LabProcess client = s.StartRealClient(alice);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            Assert.Contains("inet 10.0.1.77/24", await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
            await s.AssertIntranetReachableAsync();

            Dictionary<string, string> auth = ScriptFiles.ReadEnvFile(Path.Combine(dump, "auth-env"));
            Assert.Equal("client", auth["common_name"]); // while the password is checked the name is still the certificate's
            Dictionary<string, string> connect = ScriptFiles.ReadEnvFile(Path.Combine(dump, "connect-env"));
            Assert.Equal("alice", connect["common_name"]);
            Assert.Equal("client", connect["X509_0_CN"]);
            Assert.Equal(["add 10.0.1.77 alice"], await WaitForLinesAsync(Path.Combine(dump, "learn-calls"), 1));
            string[] status = await StatusFileReads.WaitForLineAsync(s.ServerConfig!.StatusPath, "alice,");
            Assert.StartsWith($"alice,{ScenarioLab.ClientAddress}:", status.First(l => l.StartsWith("alice,", StringComparison.Ordinal)), StringComparison.Ordinal);
            Assert.DoesNotContain(status, l => l.StartsWith("client,", StringComparison.Ordinal));
            Assert.True(connect.ContainsKey("username"), $"{who} gave client-connect no username");
            seen[real] = connect;
            await client.StopAsync();
        }

        AssertSame(seen[true], seen[false], SameConnectVariables.Where(n => n != "X509_0_emailAddress"));
    }

    [Fact]
    public async Task UsernameAsCommonName_TwoCertificatesOneUsername_TheSecondReplacesTheFirst_AsTheRealOpenVpnServer()
    {
        // Without duplicate-cn a name has one session: with username-as-common-name the name is the username, so two
        // different certificates logging in as alice are one client to both servers.
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "client2"]);
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "accept.sh"), "#!/bin/sh\nexit 0\n");
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 3", $"auth-user-pass-verify {script} via-env", "username-as-common-name"],
        };
        OpenVpnConfigFile first = ScriptFiles.ClientWithPassword(s, "first", "alice", "pw");
        string credentials = Path.Combine(s.Lab.WorkDir, "credentials-second.txt");
        File.WriteAllText(credentials, "alice\npw\n");
        OpenVpnConfigFile second = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = [$"auth-user-pass {credentials}"] }, "client2");
        foreach (bool real in new[] { false, true })
        {
            string who = real ? "openvpn" : "our server";
            await s.StartEitherServerAsync(server, real);
            LabProcess one = s.StartRealClient(first);
            await one.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await StatusFileReads.WaitForLineAsync(s.ServerConfig!.StatusPath, "alice,");
            LabProcess two = s.StartRealClient(second);
            await two.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await Task.Delay(TimeSpan.FromSeconds(2.5)); // both servers rewrite the status file every second
            string[] lines = StatusFileReads.Lines(await StatusFileReads.WaitForAsync(s.ServerConfig.StatusPath, _ => true));
            Assert.True(lines.Count(l => l.StartsWith("alice,", StringComparison.Ordinal)) == 1, $"{who}: not one alice session:\n{string.Join('\n', lines)}");
            Assert.DoesNotContain(lines, l => l.StartsWith("client", StringComparison.Ordinal));
            await two.StopAsync();
            await one.StopAsync();
        }
    }

    [Theory]
    [InlineData("emailAddress", "carol@example.org")]
    [InlineData("ext:subjectAltName", "carol.alt@example.org")] // the LAST email of the extension; DNS names are ignored
    [InlineData("serialNumber", "0xC0FFEE01")] // the serial's DER has a sign byte (00 C0 FF EE 01) that openvpn leaves out
    [InlineData("emailAddress OU", "carol@example.org_ops")]
    public async Task X509UsernameField_NamesTheClientByThatField_AndACertificateWithoutItIsRefused_AsTheRealOpenVpnServer(string field, string name)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await IssueAsync(s.Pki, "carol", "/OU=ops/CN=carol-cert/emailAddress=carol@example.org",
            "subjectAltName=DNS:carol.example.org,email:carol.first@example.org,email:carol.alt@example.org", "0xC0FFEE01");
        await IssueAsync(s.Pki, "dave", "/CN=dave-cert", null, "0x" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12)));
        string ccd = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "ccd")).FullName;
        File.WriteAllText(Path.Combine(ccd, name), "ifconfig-push 10.0.1.78 255.255.255.0\n");
        File.WriteAllText(Path.Combine(ccd, "carol-cert"), "disable\n"); // the CN must no longer name the client

        var seen = new Dictionary<bool, Dictionary<string, string>>();
        foreach (bool real in new[] { false, true })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, real ? "dump-real" : "dump-ours")).FullName;
            OpenVpnVariant server = OpenVpnVariant.Modern with
            {
                ServerExtra =
                [
                    "script-security 2",
                    $"x509-username-field {field}",
                    $"client-config-dir {ccd}",
                    $"client-connect {Script(s, "connect", real, ConnectScript(dump))}",
                ],
            };
            string who = real ? "openvpn" : "our server";
            await s.StartEitherServerAsync(server, real);

            LabProcess carol = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "carol"));
            await carol.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            Assert.Contains("inet 10.0.1.78/24", await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
            await s.AssertIntranetReachableAsync();
            Dictionary<string, string> connect = ScriptFiles.ReadEnvFile(Path.Combine(dump, "connect-env"));
            Assert.Equal(name, connect["common_name"]);
            Assert.Equal("carol-cert", connect["X509_0_CN"]);
            await StatusFileReads.WaitForLineAsync(s.ServerConfig!.StatusPath, name + ",");
            seen[real] = connect;
            await carol.StopAsync();

            if (field == "emailAddress")
            {
                // No emailAddress in the subject: refused in the TLS handshake, the server says why.
                LabProcess dave = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "dave"));
                await s.Server!.WaitForOutputAsync("VERIFY ERROR: could not extract emailAddress from X509 subject string ('CN=dave-cert')", StartTimeout);
                await Task.Delay(TimeSpan.FromSeconds(2));
                Assert.False(dave.Output.Contains("Initialization Sequence Completed", StringComparison.Ordinal), $"{who} let in a client without the field");
                await dave.StopAsync();
            }
        }

        AssertSame(seen[true], seen[false], SameConnectVariables.Where(n => n != "username").Append("X509_0_OU").Append("tls_serial_hex_0"));
    }

    private static void AssertSame(Dictionary<string, string> theirs, Dictionary<string, string> ours, IEnumerable<string> names)
    {
        foreach (string name in names)
        {
            Assert.True(theirs.ContainsKey(name), $"openvpn gave no {name} (test assumption)");
            Assert.True(ours.TryGetValue(name, out string? value), $"our server did not set {name}");
            Assert.Equal(theirs[name], value);
        }
    }

    private static string Script(ServerScenario s, string kind, bool real, string text) =>
        ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, $"{kind}-{(real ? "real" : "ours")}.sh"), text);

    /// <summary>A client certificate with this subject (and extensions), signed by the lab's CA, where the lab's configs look for it.</summary>
    private static async Task IssueAsync(EasyRsaPki pki, string name, string subject, string? extraExtension, string serial)
    {
        string csr = Path.Combine(pki.Directory, "reqs", $"{name}-openssl.req");
        string ext = Path.Combine(pki.Directory, $"{name}.ext");
        File.WriteAllText(ext, "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n" + (extraExtension is null ? "" : extraExtension + "\n"));
        TimeSpan timeout = TimeSpan.FromSeconds(60);
        (await ProcessRunner.RunAsync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", pki.KeyOf(name), "-out", csr, "-subj", subject], timeout, CancellationToken.None)).EnsureSuccess();
        (await ProcessRunner.RunAsync("openssl", ["x509", "-req", "-in", csr, "-CA", pki.CaCertificate, "-CAkey", pki.CaKey,
            "-set_serial", serial, "-days", "30",
            "-extfile", ext, "-out", pki.CertificateOf(name)], timeout, CancellationToken.None)).EnsureSuccess();
    }

    private static async Task<string[]> WaitForLinesAsync(string path, int count)
    {
        for (int i = 0; i < 100 && (!File.Exists(path) || File.ReadAllLines(path).Length < count); i++)
        {
            await Task.Delay(100);
        }

        return File.Exists(path) ? File.ReadAllLines(path) : [];
    }
}
