using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>auth-user-pass-verify</c> on OUR server with REAL openvpn 2.6 clients sending <c>auth-user-pass</c>, and the
/// same script under the REAL openvpn server: what it is given (arguments, credentials file, environment) must be
/// what OpenVPN gives it, so scripts written for OpenVPN (LDAP, PAM, a password file) work unchanged.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerAuthScriptInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    // What both servers must give the script alike (untrusted_port and config differ by nature).
    private static readonly string[] SameVariables =
        ["script_type", "username", "common_name", "untrusted_ip", "X509_0_CN", "tls_serial_0", "tls_serial_hex_0", "IV_VER",
         "IV_PLAT", "IV_PROTO", "IV_CIPHERS", "dev", "script_context", "tls_id_0", "tls_digest_0", "tls_digest_sha256_0", "verb", "X509_1_CN", "tls_id_1", "tls_serial_1",
         "tls_serial_hex_1", "tls_digest_1", "tls_digest_sha256_1", "ifconfig_local", "ifconfig_netmask", "tun_mtu", "remote_port_1",
         "redirect_gateway", "daemon_log_redirect", "daemon", "dev_type", "proto_1", "local_port_1"];

    // Records its arguments, the credentials file's mode and content, and its environment; accepts alice with the
    // right password, refuses mallory with a reason for the client (OpenVPN 2.6's auth_failed_reason_file), decides
    // on bob a second after it exited (deferred authentication: exit code 2, then auth_control_file). Only the /bin/sh built-ins plus coreutils, found without PATH as OpenVPN runs scripts.
    private const string Script = """
        #!/bin/sh
        dump="$1"
        file="$2"
        user=$(sed -n 1p "$file")
        pass=$(sed -n 2p "$file")
        stat -c %a "$file" > "$dump/mode-$user"
        echo "$#" > "$dump/argc-$user"
        env | sort > "$dump/env-$user"
        [ "$user" = "alice" ] && [ "$pass" = "s3cret pass" ] && exit 0
        [ "$user" = "mallory" ] && echo "Account disabled" > "$auth_failed_reason_file"
        if [ "$user" = "bob" ]; then
            (sleep 1; echo 1 > "$auth_control_file") > /dev/null 2>&1 &
            exit 2
        fi
        exit 1
        """;

    [Fact]
    public async Task ViaFile_RightPasswordConnects_WrongIsAuthFailed_ScriptSeesWhatOpenVpnGivesIt()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string tmp = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "auth-tmp")).FullName;
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "check-password.sh"), Script);
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 2", $"auth-user-pass-verify \"{script} {dump}\" via-file", $"tmp-dir {tmp}"],
        };
        OpenVpnConfigFile good = ScriptFiles.ClientWithPassword(s, "good", "alice", "s3cret pass");
        OpenVpnConfigFile bad = ScriptFiles.ClientWithPassword(s, "bad", "mallory", "guess");
        OpenVpnConfigFile deferred = ScriptFiles.ClientWithPassword(s, "deferred", "bob", "any");

        // Our server.
        await s.StartServerAsync(server);
        LabProcess refused = s.StartRealClient(bad);
        await refused.WaitForOutputAsync("AUTH_FAILED,Account disabled", StartTimeout);
        Assert.True(await refused.WaitForExitAsync(StartTimeout), "the openvpn client kept running after AUTH_FAILED");
        Assert.DoesNotContain("Initialization Sequence Completed", refused.Output, StringComparison.Ordinal);
        await s.Server!.WaitForOutputAsync("Auth Username/Password verification failed for peer (auth-user-pass-verify exited with code 1)", StartTimeout);

        LabProcess later = s.StartRealClient(deferred);
        await later.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await later.StopAsync();

        LabProcess accepted = s.StartRealClient(good);
        await accepted.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        await s.Server.WaitForOutputAsync("TLS: Username/Password authentication succeeded for username 'alice'", StartTimeout);
        Dictionary<string, string> ours = ReadEnv(dump, "alice");
        Assert.Equal("600", File.ReadAllText(Path.Combine(dump, "mode-alice")).Trim());
        Assert.Equal("2", File.ReadAllText(Path.Combine(dump, "argc-alice")).Trim()); // the command's own argument, then the file
        Assert.Empty(Directory.GetFiles(tmp)); // the credentials files are removed after the script ran
        Assert.False(ours.ContainsKey("password"), "via-file must not put the password in the environment");
        await accepted.StopAsync();

        // The real openvpn server with the same config and script.
        File.Delete(Path.Combine(dump, "env-alice"));
        await s.StartEitherServerAsync(server, real: true);
        LabProcess refusedByOpenVpn = s.StartRealClient(bad);
        await refusedByOpenVpn.WaitForOutputAsync("AUTH_FAILED,Account disabled", StartTimeout); // the same answer
        LabProcess laterByOpenVpn = s.StartRealClient(deferred);
        await laterByOpenVpn.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout); // the same deferral
        await laterByOpenVpn.StopAsync();
        LabProcess reference = s.StartRealClient(good);
        await reference.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Dictionary<string, string> theirs = ReadEnv(dump, "alice");
        foreach (string name in SameVariables)
        {
            Assert.True(theirs.ContainsKey(name), $"openvpn gave no {name} (test assumption)");
            Assert.True(ours.TryGetValue(name, out string? value), $"our server did not set {name}");
            Assert.Equal(theirs[name], value);
        }

        Assert.Equal("600", File.ReadAllText(Path.Combine(dump, "mode-alice")).Trim());
        Assert.Equal("2", File.ReadAllText(Path.Combine(dump, "argc-alice")).Trim());
        output.WriteLine("set by openvpn only: " + string.Join(' ', theirs.Where(kv => !ours.ContainsKey(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}")));
    }

    [Fact]
    public async Task ViaEnv_PasswordInTheEnvironment_WithScriptSecurity3()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "check-env.sh"), $"""
            #!/bin/sh
            env | sort > "{dump}/env-$username"
            [ "$username" = "alice" ] && [ "$password" = "s3cret pass" ] && exit 0
            exit 1
            """);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["script-security 3", $"auth-user-pass-verify {script} via-env"] });
        LabProcess refused = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "bad", "alice", "wrong"));
        await refused.WaitForOutputAsync("AUTH_FAILED", StartTimeout);

        LabProcess accepted = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "good", "alice", "s3cret pass"));
        await accepted.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        Assert.Equal("s3cret pass", ReadEnv(dump, "alice")["password"]);
    }

    [Fact]
    public async Task ClientWithoutCredentials_IsRefused_AndOthersKeepWorkingWhileAScriptIsSlow()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        // Blocks 'slow' for 20 s (longer than the other client needs to connect), accepts everyone else.
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "slow.sh"), """
            #!/bin/sh
            [ "$username" = "slow" ] && sleep 20
            exit 0
            """);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["script-security 3", $"auth-user-pass-verify {script} via-env"] });

        LabProcess noCredentials = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern));
        await noCredentials.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
        await s.Server!.WaitForOutputAsync("Auth Username/Password was not provided by peer", StartTimeout);
        await noCredentials.StopAsync();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        LabProcess slow = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "slow", "slow", "x"));
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // its TLS handshake is done and its script runs
        LabProcess quick = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "quick", "quick", "x"));
        await quick.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"a slow script held up another client's handshake ({clock.Elapsed})");
        Assert.DoesNotContain("Initialization Sequence Completed", slow.Output, StringComparison.Ordinal);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task Renegotiation_RerunsTheScript_ARefusalEndsTheSession_AsTheRealOpenVpnServerDoes()
    {
        // OpenVPN runs auth-user-pass-verify again at every renegotiation (the client resends its cached credentials),
        // so disabling an account takes effect within reneg-sec. Both servers renegotiate every 3 s here.
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string calls = Path.Combine(dump, "calls");
        string refuse = Path.Combine(dump, "refuse");
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "count.sh"), $"""
            #!/bin/sh
            echo "$username" >> {calls}
            [ -e {refuse} ] && exit 1
            exit 0
            """);
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 3", $"auth-user-pass-verify {script} via-env", "reneg-sec 3"],
        };
        foreach (bool real in new[] { false, true })
        {
            File.Delete(calls);
            File.Delete(refuse);
            await s.StartEitherServerAsync(server, real);

            LabProcess client = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "reneg", "alice", "pw"));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (CallCount(calls) < 2 && clock.Elapsed < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(100);
            }

            Assert.True(CallCount(calls) >= 2, $"{(real ? "openvpn" : "our server")} did not run the script again at the renegotiation");
            await s.AssertIntranetReachableAsync(); // the renegotiated key carries the traffic
            File.WriteAllText(refuse, string.Empty);
            await client.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
            Assert.True(await client.WaitForExitAsync(StartTimeout), "the client kept running after AUTH_FAILED");
            Assert.Contains("SIGTERM[soft,auth-failure]", client.Output, StringComparison.Ordinal);
            Assert.All(File.ReadAllLines(calls), l => Assert.Equal("alice", l));
        }

        static int CallCount(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;
    }

    // client-connect: records its environment, refuses while a 'refuse' file exists, otherwise moves the client to
    // 10.0.1.77 and pushes a route; client-disconnect records its environment. Both name their dump directory as
    // their own argument, so the directives file is the last argument, as OpenVPN passes it.
    private const string ConnectScript = """
        #!/bin/sh
        dump="$1"
        env | sort > "$dump/connect-env"
        [ -e "$dump/refuse" ] && exit 1
        echo 'ifconfig-push 10.0.1.77 255.255.255.0' > "$2"
        echo 'push "route 10.77.0.0 255.255.0.0"' >> "$2"
        exit 0
        """;

    private const string DisconnectScript = """
        #!/bin/sh
        env | sort > "$1/disconnect-env"
        """;

    private static readonly string[] SameConnectVariables =
        ["script_type", "common_name", "trusted_ip", "untrusted_ip", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask", "X509_0_CN",
         "tls_serial_0", "IV_VER", "IV_PLAT", "dev", "ifconfig_local", "ifconfig_netmask", "script_context"];

    // Set by both, with each server's own temporary file names.
    private static readonly string[] ConnectFileVariables = ["client_connect_config_file", "client_connect_deferred_file"];

    private static readonly string[] SameDisconnectVariables =
        ["script_type", "common_name", "trusted_ip", "ifconfig_pool_remote_ip", "ifconfig_pool_netmask", "X509_0_CN", "dev"];

    // Deferred client-connect (2.6): "2" in client_connect_deferred_file and exit 0; a second later the background job
    // writes a directive to client_connect_config_file and "1" (or "0" while a 'refuse' file exists) as the decision.
    private const string DeferringConnectScript = """
        #!/bin/sh
        dump="$1"
        echo 2 > "$client_connect_deferred_file"
        (
            sleep 1
            if [ -e "$dump/refuse" ]; then echo 0 > "$client_connect_deferred_file"; exit 0; fi
            echo 'push "route 10.78.0.0 255.255.0.0"' > "$client_connect_config_file"
            echo 1 > "$client_connect_deferred_file"
        ) > /dev/null 2>&1 &
        exit 0
        """;

    [Fact]
    public async Task DeferredClientConnect_DecidedLaterThroughItsFile_AsTheRealOpenVpnServerDoes()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string connect = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "connect-later.sh"), DeferringConnectScript);
        OpenVpnVariant server = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"client-connect \"{connect} {dump}\""] };
        foreach (bool real in new[] { false, true })
        {
            File.Delete(Path.Combine(dump, "refuse"));
            await s.StartEitherServerAsync(server, real);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            LabProcess client = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            Assert.True(clock.Elapsed > TimeSpan.FromSeconds(1), $"{(real ? "openvpn" : "our server")} did not wait for the deferred decision");
            string routes = (await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "route", "show", "10.78.0.0/16")).StdOut;
            Assert.Contains("10.78.0.0/16", routes, StringComparison.Ordinal); // the directive written while deferred
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();

            File.WriteAllText(Path.Combine(dump, "refuse"), string.Empty);
            LabProcess refused = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern));
            await refused.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
            Assert.DoesNotContain("Initialization Sequence Completed", refused.Output, StringComparison.Ordinal);
            await refused.StopAsync();
        }
    }

    [Fact]
    public async Task ClientConnectDirectivesAndDisconnectAccounting_AsTheRealOpenVpnServerRunsThem()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string connect = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "connect.sh"), ConnectScript);
        string disconnect = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "disconnect.sh"), DisconnectScript);
        OpenVpnVariant server = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 2", $"client-connect \"{connect} {dump}\"", $"client-disconnect \"{disconnect} {dump}\""],
        };

        var seen = new Dictionary<string, (Dictionary<string, string> Connect, Dictionary<string, string> Disconnect, string Refusal)>();
        foreach (bool real in new[] { false, true })
        {
            foreach (string f in Directory.GetFiles(dump))
            {
                File.Delete(f);
            }

            await s.StartEitherServerAsync(server, real);

            File.WriteAllText(Path.Combine(dump, "refuse"), string.Empty);
            LabProcess refused = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern));
            await refused.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
            string refusal = refused.Lines.First(l => l.Contains("AUTH_FAILED", StringComparison.Ordinal));
            await refused.StopAsync();
            File.Delete(Path.Combine(dump, "refuse"));
            File.Delete(Path.Combine(dump, "connect-env"));

            // explicit-exit-notify: the server learns at once that the client left (client-disconnect then runs).
            LabProcess client = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["explicit-exit-notify 1"] }));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            Assert.Contains("inet 10.0.1.77/24", await s.ClientTunAddressesAsync(), StringComparison.Ordinal);
            string routes = (await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "route", "show", "10.77.0.0/16")).StdOut;
            Assert.Contains("10.77.0.0/16", routes, StringComparison.Ordinal);
            await s.AssertIntranetReachableAsync(); // the moved address is routed back through the tunnel
            Dictionary<string, string> connectEnv = ScriptFiles.ReadEnvFile(Path.Combine(dump, "connect-env"));
            await client.StopAsync();
            string disconnectFile = Path.Combine(dump, "disconnect-env");
            for (int i = 0; i < 100 && !File.Exists(disconnectFile); i++)
            {
                await Task.Delay(100);
            }

            Dictionary<string, string> disconnectEnv = ScriptFiles.ReadEnvFile(disconnectFile);
            Assert.True(long.Parse(disconnectEnv["bytes_received"], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.True(long.Parse(disconnectEnv["bytes_sent"], System.Globalization.CultureInfo.InvariantCulture) > 0);
            Assert.True(disconnectEnv.ContainsKey("time_duration"));
            seen[real ? "openvpn" : "ours"] = (connectEnv, disconnectEnv, refusal[(refusal.IndexOf("AUTH_FAILED", StringComparison.Ordinal))..]);
            if (!real)
            {
                // A server shutdown disconnects its clients: their client-disconnect runs before the process exits.
                LabProcess stays = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern));
                await stays.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                File.Delete(disconnectFile);
                await s.Server!.StopAsync();
                Assert.True(File.Exists(disconnectFile), "client-disconnect did not run at server shutdown:\n" + s.Server.Tail());
                await stays.StopAsync();
            }
        }

        (Dictionary<string, string> Connect, Dictionary<string, string> Disconnect, string Refusal) ours = seen["ours"], theirs = seen["openvpn"];
        Assert.Equal(theirs.Refusal, ours.Refusal);
        Assert.All(ConnectFileVariables, name => Assert.True(theirs.Connect.ContainsKey(name) && ours.Connect.ContainsKey(name), name));
        foreach ((string[] names, Dictionary<string, string> o, Dictionary<string, string> t) in new[]
                 { (SameConnectVariables, ours.Connect, theirs.Connect), (SameDisconnectVariables, ours.Disconnect, theirs.Disconnect) })
        {
            foreach (string name in names)
            {
                Assert.True(t.ContainsKey(name), $"openvpn gave no {name} (test assumption)");
                Assert.True(o.TryGetValue(name, out string? value), $"our server did not set {name}");
                Assert.Equal(t[name], value);
            }

            output.WriteLine("set by openvpn only: " + string.Join(' ', t.Where(kv => !o.ContainsKey(kv.Key)).Select(kv => $"{kv.Key}={kv.Value}")));
        }
    }

    [Fact]
    public async Task ControlCharactersInCredentials_AreDroppedByTheClient_NonAsciiReachesTheScript_AsWithOpenVpn()
    {
        // The client drops control characters from its credentials (misc.c get_user_pass_cr: string_mod(CC_PRINT,
        // CC_CRLF, 0)); the server maps any that arrive to '_' (string_mod_remap_name) and keeps UTF-8, as CC_PRINT
        // takes every byte from 32 up except 127. Under username-as-common-name the client is named by the result.
        // Real client -> our server and the real server; our client -> the real server: the script reads the same.
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        const string CopyCredentials = "#!/bin/sh\ncp \"$2\" \"$1/credentials\"\nexit 0\n";
        const string RecordConnect = "#!/bin/sh\nenv | sort > \"$1/connect-env\"\nexit 0\n";
        string auth = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "copy-credentials.sh"), CopyCredentials);
        string connect = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "record-connect.sh"), RecordConnect);
        OpenVpnConfigFile client = ScriptFiles.ClientWithPassword(s, "controls", "zo\u00eb\u0001x", "p\u00e4\u007fss\u0002");

        var seen = new Dictionary<string, (string Credentials, string CommonName)>();
        foreach ((string pair, bool realServer, bool realClient) in new[] { ("ours-ovpn", false, true), ("ovpn-ovpn", true, true), ("ovpn-ours", true, false) })
        {
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump-" + pair)).FullName;
            OpenVpnVariant server = OpenVpnVariant.Modern with
            {
                ServerExtra =
                [
                    "script-security 2", $"auth-user-pass-verify \"{auth} {dump}\" via-file", "username-as-common-name",
                    $"client-connect \"{connect} {dump}\"",
                ],
            };
            await s.StartEitherServerAsync(server, realServer);
            LabProcess connected = realClient ? s.StartRealClient(client) : s.StartOurClient(client);
            await connected.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            seen[pair] = (File.ReadAllText(Path.Combine(dump, "credentials")),
                          ScriptFiles.ReadEnvFile(Path.Combine(dump, "connect-env"))["common_name"]);
            output.WriteLine($"{pair}: credentials {seen[pair].Credentials.ReplaceLineEndings("|")} common_name {seen[pair].CommonName}");
            await connected.StopAsync();
        }

        Assert.Equal("zo\u00ebx\np\u00e4ss\n", seen["ovpn-ovpn"].Credentials); // the reference (test assumption)
        Assert.Equal("zo\u00ebx", seen["ovpn-ovpn"].CommonName);
        foreach (string pair in new[] { "ours-ovpn", "ovpn-ours" })
        {
            Assert.Equal(seen["ovpn-ovpn"], seen[pair]);
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("optional")]
    public async Task VerifyClientCertNoneOrOptional_AClientWithoutACertificateLogsInByPassword_AsWithTheRealOpenVpnServer(string mode)
    {
        // The username/password-only setup: the profile has the CA and the tls-crypt key but no cert/key;
        // auth-user-pass-verify decides. Both servers must let it in (and refuse a wrong password) and name it alike.
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        const string Check = "#!/bin/sh\nenv | sort > \"$1/auth-env-$username\"\n[ \"$password\" = \"pw\" ]\n";
        const string RecordConnect = "#!/bin/sh\nenv | sort > \"$1/connect-env\"\nexit 0\n";
        string check = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "check.sh"), Check);
        string connect = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "connect.sh"), RecordConnect);
        OpenVpnConfigFile Profile(string user, string password)
        {
            OpenVpnConfigFile withCert = ScriptFiles.ClientWithPassword(s, user, user, password);
            string text = string.Join('\n', File.ReadAllLines(withCert.ConfigPath).Where(l => !l.StartsWith("cert ", StringComparison.Ordinal) && !l.StartsWith("key ", StringComparison.Ordinal)));
            File.WriteAllText(withCert.ConfigPath, text + "\n");
            return withCert;
        }

        OpenVpnConfigFile alice = Profile("alice", "pw");
        OpenVpnConfigFile mallory = Profile("mallory", "guess");
        Assert.DoesNotContain("\ncert ", File.ReadAllText(alice.ConfigPath), StringComparison.Ordinal);

        var seen = new Dictionary<bool, (Dictionary<string, string> Auth, Dictionary<string, string> Connect, string Status)>();
        foreach (bool real in new[] { false, true })
        {
            string who = real ? "openvpn" : "our server";
            string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, $"dump-{mode}-{(real ? "real" : "ours")}")).FullName;
            OpenVpnVariant server = OpenVpnVariant.Modern with
            {
                ServerExtra =
                [
                    $"verify-client-cert {mode}", "script-security 3", $"auth-user-pass-verify \"{check} {dump}\" via-env",
                    $"client-connect \"{connect} {dump}\"",
                ],
            };
            await s.StartEitherServerAsync(server, real);
            LabProcess refused = s.StartRealClient(mallory);
            await refused.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
            await refused.StopAsync();
            LabProcess client = s.StartRealClient(alice);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            string status = await WaitForStatusAsync(s.ServerConfig!.StatusPath);
            seen[real] = (ScriptFiles.ReadEnvFile(Path.Combine(dump, "auth-env-alice")), ScriptFiles.ReadEnvFile(Path.Combine(dump, "connect-env")), status);
            output.WriteLine($"{who}: status '{status}'; auth common_name={seen[real].Auth.GetValueOrDefault("common_name", "(unset)")}; " +
                             $"connect common_name={seen[real].Connect.GetValueOrDefault("common_name", "(unset)")}; X509 vars: " +
                             string.Join(' ', seen[real].Connect.Keys.Where(k => k.StartsWith("X509_", StringComparison.Ordinal) || k.StartsWith("tls_", StringComparison.Ordinal))));
            await client.StopAsync();
            if (real)
            {
                // Our client with the same certificate-less profile logs in to the real server too.
                LabProcess ourClient = s.StartOurClient(alice);
                await ourClient.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                await s.AssertIntranetReachableAsync();
                await ourClient.StopAsync();
            }

            if (mode == "optional")
            {
                // Asked for and given, the certificate still counts: the client is named by it (and checked).
                LabProcess withCertificate = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "certified", "alice", "pw"));
                await withCertificate.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                Assert.Equal($"client,{ScenarioLab.ClientAddress}", await WaitForStatusAsync(s.ServerConfig.StatusPath, "client,"));
                await withCertificate.StopAsync();
            }
        }

        (Dictionary<string, string> Auth, Dictionary<string, string> Connect, string Status) ours = seen[false], theirs = seen[true];
        Assert.Equal(theirs.Status, ours.Status);
        foreach (string name in new[] { "common_name", "username" })
        {
            Assert.Equal(theirs.Auth.GetValueOrDefault(name), ours.Auth.GetValueOrDefault(name));
            Assert.Equal(theirs.Connect.GetValueOrDefault(name), ours.Connect.GetValueOrDefault(name));
        }

        Assert.DoesNotContain(ours.Connect.Keys, k => k.StartsWith("X509_0_", StringComparison.Ordinal) || k == "tls_id_0");
        Assert.Equal(theirs.Connect.Keys.Where(k => k.StartsWith("X509_0_", StringComparison.Ordinal)), ours.Connect.Keys.Where(k => k.StartsWith("X509_0_", StringComparison.Ordinal)));
    }

    /// <summary>The status file's first client line (starting with <paramref name="prefix"/>), name and real address (the port differs by nature).</summary>
    private static async Task<string> WaitForStatusAsync(string path, string prefix = "")
    {
        for (int i = 0; i < 50; i++)
        {
            string? text = await StatusFileReads.ReadSettledAsync(path);
            string? line = text is not null
                ? StatusFileReads.Lines(text).SkipWhile(l => !l.StartsWith("Common Name,", StringComparison.Ordinal)).Skip(1)
                    .TakeWhile(l => !l.StartsWith("ROUTING TABLE", StringComparison.Ordinal)).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
                : null;
            if (line is not null)
            {
                string[] fields = line.Split(',');
                return $"{fields[0]},{fields[1].Split(':')[0]}";
            }

            await Task.Delay(200);
        }

        return "(no client in the status file)";
    }

    private static Dictionary<string, string> ReadEnv(string dump, string user) => ScriptFiles.ReadEnvFile(Path.Combine(dump, $"env-{user}"));
}
