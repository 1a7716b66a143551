using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>auth-gen-token</c>: a one-time password (a script that accepts each password once, as an OTP or push check
/// would) is asked once per session; renegotiations and reconnects use the session token the server pushed. Each
/// claim runs against the real openvpn 2.6: its client against our server, our client against its server, and the
/// same script and config under both servers. Key files cross over: the real server signs with a secret from
/// 'sharpvpn genkey auth-token', ours with one from 'openvpn --genkey auth-token'.
/// </summary>
[Trait("Category", "Interop")]
public sealed class AuthTokenInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    // Accepts a password once (later uses are refused, as a spent one-time password), unless 'reuse' exists; logs
    // every call with what OpenVPN tells it about the session.
    private static string OneTimePasswordScript(string dump) => $"""
        #!/bin/sh
        pass=$(sed -n 2p "$1")
        echo "$username $session_state" >> {dump}/calls
        if grep -qxF -- "$pass" {dump}/used 2>/dev/null && [ ! -e {dump}/reuse ]; then
            echo "one-time password already used" > "$auth_failed_reason_file"
            exit 1
        fi
        echo "$pass" >> {dump}/used
        exit 0
        """;

    [Fact]
    public async Task RealClient_OneTimePassword_SurvivesRenegotiations_UnderOurServerAndTheRealOne()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "otp.sh"), OneTimePasswordScript(dump));
        string[] verify = ["script-security 2", $"auth-user-pass-verify {script} via-file", "reneg-sec 3", "hand-window 5"];

        // Without tokens the spent password fails the first renegotiation: the script really is one-time.
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = verify });
        LabProcess refused = s.StartRealClient(ScriptFiles.ClientWithPassword(s, "plain", "alice", "otp-111111"));
        await refused.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await refused.WaitForOutputAsync("AUTH_FAILED,one-time password already used", StartTimeout);
        Assert.True(await refused.WaitForExitAsync(StartTimeout), "the client kept running after AUTH_FAILED");

        string secret = await GenerateSecretAsync(s, "openvpn");
        OpenVpnVariant tokens = OpenVpnVariant.Modern with { ServerExtra = [.. verify, "auth-gen-token 0 10", $"auth-gen-token-secret {secret}"] };
        foreach (bool real in new[] { false, true })
        {
            string password = real ? "otp-333333" : "otp-222222";
            File.Delete(Path.Combine(dump, "calls"));
            await s.StartEitherServerAsync(tokens, real);
            LabProcess client = s.StartRealClient(ScriptFiles.ClientWithPassword(s, real ? "real" : "ours", "alice", password));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await WaitForCountAsync(s.Server!, "Username/auth-token authentication succeeded for username 'alice'", 2);
            await s.AssertIntranetReachableAsync(); // the keys renegotiated on the token carry the traffic
            Assert.DoesNotContain("AUTH_FAILED", client.Output, StringComparison.Ordinal);
            Assert.Equal(["alice Initial"], File.ReadAllLines(Path.Combine(dump, "calls"))); // asked once, as openvpn's session_state says
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task RenewalShorterThanRenegSec_TheServerRenewsTheTokenOnATimer_SoTheNextRenegotiationStillPasses()
    {
        // Tokens are valid for two renewal periods (20 s) after they were issued; the first renegotiation comes at 24 s.
        // It passes on the token only if the server pushed renewed ones meanwhile (auth_token.c check_send_auth_token).
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "otp.sh"), OneTimePasswordScript(dump));
        OpenVpnVariant tokens = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 2", $"auth-user-pass-verify {script} via-file", "reneg-sec 24", "hand-window 5", "auth-gen-token 0 10"],
        };
        foreach (bool real in new[] { false, true })
        {
            await s.StartEitherServerAsync(tokens, real);
            LabProcess client = s.StartRealClient(ScriptFiles.ClientWithPassword(s, real ? "real" : "ours", "alice", real ? "otp-888888" : "otp-999999"));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.Server!.WaitForOutputAsync("Username/auth-token authentication succeeded for username 'alice'", TimeSpan.FromSeconds(45));
            await s.AssertIntranetReachableAsync();
            Assert.DoesNotContain("AUTH_FAILED", client.Output, StringComparison.Ordinal);
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task OurClient_OneTimePassword_SurvivesRenegotiations_AgainstTheRealServerAndOurs()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "otp.sh"), OneTimePasswordScript(dump));
        string secret = await GenerateSecretAsync(s, "sharpvpn");
        OpenVpnVariant tokens = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 2", $"auth-user-pass-verify {script} via-file", "reneg-sec 3", "hand-window 5",
                "auth-gen-token 0 10", $"auth-gen-token-secret {secret}"],
        };
        foreach (bool real in new[] { true, false })
        {
            File.Delete(Path.Combine(dump, "calls"));
            await s.StartEitherServerAsync(tokens, real);
            LabProcess client = s.StartOurClient(ScriptFiles.ClientWithPassword(s, real ? "real" : "ours", "alice", real ? "otp-444444" : "otp-555555"));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await WaitForCountAsync(s.Server!, "Username/auth-token authentication succeeded for username 'alice'", 2);
            await s.AssertIntranetReachableAsync();
            Assert.DoesNotContain("AUTH_FAILED", client.Output, StringComparison.Ordinal);
            Assert.Single(File.ReadAllLines(Path.Combine(dump, "calls")));
            Assert.DoesNotContain("SESS_ID_AT_", client.Output, StringComparison.Ordinal); // never in our log
            await client.StopAsync();
        }
    }

    [Fact]
    public async Task OurClient_ReconnectsWithTheToken_AfterAServerRestart_AndWithThePasswordWhenTheTokenIsRefused()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Directory.CreateDirectory(Path.Combine(s.Lab.WorkDir, "dump")).FullName;
        string calls = Path.Combine(dump, "calls");
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "otp.sh"), OneTimePasswordScript(dump));
        string secret = await GenerateSecretAsync(s, "sharpvpn");
        string[] common = ["script-security 2", $"auth-user-pass-verify {script} via-file", "explicit-exit-notify 1", "auth-gen-token"];
        OpenVpnVariant kept = OpenVpnVariant.Modern with { ServerExtra = [.. common, $"auth-gen-token-secret {secret}"] };
        foreach (bool real in new[] { true, false })
        {
            foreach (string f in new[] { calls, Path.Combine(dump, "reuse") })
            {
                File.Delete(f);
            }

            await s.StartEitherServerAsync(kept, real);
            LabProcess client = s.StartOurClient(ScriptFiles.ClientWithPassword(s, real ? "real" : "ours", "alice", real ? "otp-666666" : "otp-777777"));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);

            // The server restarts with the same secret: the client comes back (explicit-exit-notify) on its token.
            int mark = client.LineCount;
            await s.Server!.StopAsync();
            await s.StartEitherServerAsync(kept, real);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
            await s.Server!.WaitForOutputAsync("Username/auth-token authentication succeeded for username 'alice'", StartTimeout);
            Assert.Single(File.ReadAllLines(calls));
            await s.AssertIntranetReachableAsync();

            // Restarted without the secret, the server refuses the old token; the client logs in with its password again.
            File.WriteAllText(Path.Combine(dump, "reuse"), string.Empty);
            mark = client.LineCount;
            await s.Server.StopAsync();
            await s.StartEitherServerAsync(OpenVpnVariant.Modern with { ServerExtra = common }, real);
            await client.WaitForOutputAsync("the session token was refused, logging in again with the password", StartTimeout, mark);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, mark);
            Assert.Equal(2, File.ReadAllLines(calls).Length);
            await s.AssertIntranetReachableAsync();
            await client.StopAsync();
        }
    }

    private async Task WaitForCountAsync(LabProcess process, string text, int count)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (process.Lines.Count(l => l.Contains(text, StringComparison.Ordinal)) < count)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"fewer than {count} times in the server log: {text}");
            await Task.Delay(200);
        }

        output.WriteLine($"seen {count}x after {clock.Elapsed.TotalSeconds:F1} s: {text}");
    }

    /// <summary>An auth-token secret made by the real openvpn or by us; each server is then given the other's.</summary>
    private static async Task<string> GenerateSecretAsync(ServerScenario s, string maker)
    {
        string path = Path.Combine(s.Lab.WorkDir, $"auth-token-{maker}.key");
        (string file, string[] args) = maker == "openvpn"
            ? ("openvpn", new[] { "--genkey", "auth-token", path })
            : SharpVpnCli.Invocation("genkey", "auth-token", path);
        (await ProcessRunner.RunAsync(file, args, TimeSpan.FromSeconds(60), CancellationToken.None)).EnsureSuccess();
        Assert.StartsWith("-----BEGIN OpenVPN auth-token server key-----", File.ReadAllText(path), StringComparison.Ordinal);
        return path;
    }
}
