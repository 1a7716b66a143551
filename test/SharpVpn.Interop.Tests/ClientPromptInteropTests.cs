using System.Globalization;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// A profile that leaves the user name, password and a one-time code to be typed (<c>auth-user-pass</c> without a
/// file, <c>static-challenge</c>), against the real openvpn 2.6 server: our client answered on stdin and the real openvpn
/// client answered on a terminal (<c>script</c> gives it one; it refuses to ask otherwise) must send the server's
/// <c>auth-user-pass-verify</c> script the same password, and with <c>auth-retry interact</c> both ask again after
/// AUTH_FAILED.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ClientPromptInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    // OpenVPN's documented packing (management-notes.txt): SCRV1:base64("pw"):base64("123456").
    private const string Expected = "SCRV1:cHc=:MTIzNDU2";

    private static string Script(string dump) => $"""
        #!/bin/sh
        user=$(sed -n 1p "$1")
        pass=$(sed -n 2p "$1")
        echo "$user $pass" >> {dump}
        [ "$user" = "alice" ] && [ "$pass" = "{Expected}" ]
        """;

    [Fact]
    public async Task TypedCredentialsAndOneTimeCode_ReachTheRealServer_AsTheRealClientSendsThem_AndAreAskedAgainAfterAuthFailed()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Path.Combine(s.Lab.WorkDir, "passwords");
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "check.sh"), Script(dump));
        OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"auth-user-pass-verify {script} via-file"] };
        await s.StartEitherServerAsync(v, real: true);
        OpenVpnConfigFile config = s.WriteClientConfig(v, edit: t => t + "auth-user-pass\nstatic-challenge \"Enter OTP\" 1\nauth-retry interact\n");

        foreach (bool real in new[] { false, true })
        {
            File.Delete(config.LogPath);
            int before = File.Exists(dump) ? File.ReadAllLines(dump).Length : 0;
            LabProcess client = real ? StartRealOnTerminal(s, config) : StartOursOnStdin(s, config);
            try
            {
                // A wrong password first: AUTH_FAILED, then both ask for everything again.
                await AnswerAsync(client, real, "alice", "wrong", "000000");
                await client.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
                await AnswerAsync(client, real, "alice", "pw", "123456");
                await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                await s.AssertIntranetReachableAsync();
                string[] seen = File.ReadAllLines(dump)[before..];
                output.WriteLine($"{(real ? "openvpn" : "sharpvpn")} client sent: {string.Join(" | ", seen)}");
                Assert.Equal(["alice SCRV1:d3Jvbmc=:MDAwMDAw", "alice " + Expected], seen);
            }
            finally
            {
                output.WriteLine($"--- {client.CommandLine} ---\n{client.Output}");
                await StopAsync(client, real);
            }
        }
    }

    // A dynamic challenge for alice's password, then her answer; a temporary refusal for carol's first try, a plain one for dave's.
    private static string ChallengeScript(string dump, string marker) => $"""
        #!/bin/sh
        user=$(sed -n 1p "$1")
        pass=$(sed -n 2p "$1")
        echo "$user $pass" >> {dump}
        case "$user:$pass" in
          alice:pw) echo "CRV1:R,E:s42:$(printf alice | base64):Code from the SMS" > "$auth_failed_reason_file"; exit 1 ;;
          alice:CRV1::s42::4711) exit 0 ;;
          carol:pw) [ -e {marker} ] && exit 0; touch {marker}; echo "TEMP[backoff 3]:busy" > "$auth_failed_reason_file"; exit 1 ;;
          dave:pw) [ -e {marker}-dave ] && exit 0; touch {marker}-dave; exit 1 ;;
        esac
        exit 1
        """;

    [Fact]
    public async Task DynamicChallengeTemporaryRefusalAndNoInteractRetry_FromTheRealServer_AreAnsweredAsTheRealClientAnswersThem()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Path.Combine(s.Lab.WorkDir, "logins");
        string marker = Path.Combine(s.Lab.WorkDir, "carol-refused-once");
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "challenge.sh"), ChallengeScript(dump, marker));
        OpenVpnVariant v = OpenVpnVariant.Modern with { ServerExtra = ["script-security 2", $"auth-user-pass-verify {script} via-file"] };
        await s.StartEitherServerAsync(v, real: true);
        OpenVpnConfigFile plain = s.WriteClientConfig(v);
        string text = File.ReadAllText(plain.ConfigPath);
        OpenVpnConfigFile alice = WriteVariant(plain, "alice", text + "auth-user-pass\nauth-retry interact\n");
        string carolPass = Path.Combine(s.Lab.WorkDir, "carol.pass");
        File.WriteAllText(carolPass, "carol\npw\n");
        OpenVpnConfigFile carol = WriteVariant(plain, "carol", text + $"auth-user-pass {carolPass}\n");
        string davePass = Path.Combine(s.Lab.WorkDir, "dave.pass");
        File.WriteAllText(davePass, "dave\npw\n");
        OpenVpnConfigFile dave = WriteVariant(plain, "dave", text + $"auth-user-pass {davePass}\nauth-retry nointeract\n");

        foreach (bool real in new[] { false, true })
        {
            string who = real ? "openvpn" : "sharpvpn";
            File.Delete(alice.LogPath);
            int before = File.Exists(dump) ? File.ReadAllLines(dump).Length : 0;
            LabProcess client = real ? StartRealOnTerminal(s, alice) : StartOursOnStdin(s, alice);
            try
            {
                int from = client.LineCount;
                await client.WriteLineAsync("alice");
                if (real)
                {
                    await client.WaitForOutputAsync(new System.Text.RegularExpressions.Regex("(^|Username:)alice$"), StartTimeout, from);
                    await Task.Delay(1500);
                }

                await client.WriteLineAsync("pw");
                await client.WaitForOutputAsync("AUTH_FAILED,CRV1", StartTimeout);
                await Task.Delay(real ? 500 : 0);
                await client.WriteLineAsync("4711");
                await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                await s.AssertIntranetReachableAsync();
                string[] seen = File.ReadAllLines(dump)[before..];
                output.WriteLine($"{who} client (challenge) sent: {string.Join(" | ", seen)}");
                Assert.Equal(["alice pw", "alice CRV1::s42::4711"], seen);
            }
            finally
            {
                output.WriteLine($"--- {client.CommandLine} ---\n{client.Output}");
                await StopAsync(client, real);
            }

            // TEMP[backoff 3]: retried after 3 s though auth-retry is not set.
            File.Delete(marker);
            File.Delete(carol.LogPath);
            LabProcess temp = real ? s.StartRealClient(carol) : s.StartOurClient(carol);
            await temp.WaitForOutputAsync("AUTH_FAILED,TEMP[backoff 3]:busy", StartTimeout);
            var refused = System.Diagnostics.Stopwatch.StartNew();
            await temp.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            output.WriteLine($"{who} client got in {refused.Elapsed.TotalSeconds:F1} s after AUTH_FAILED,TEMP[backoff 3]");
            Assert.InRange(refused.Elapsed.TotalSeconds, 2, 10);
            await temp.StopAsync();

            // auth-retry nointeract: a plain AUTH_FAILED is retried with the same credentials 10 s later.
            File.Delete(marker + "-dave");
            File.Delete(dave.LogPath);
            LabProcess retry = real ? s.StartRealClient(dave) : s.StartOurClient(dave);
            await retry.WaitForOutputAsync("AUTH_FAILED", StartTimeout);
            var failed = System.Diagnostics.Stopwatch.StartNew();
            await retry.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            output.WriteLine($"{who} client got in {failed.Elapsed.TotalSeconds:F1} s after AUTH_FAILED (auth-retry nointeract)");
            Assert.InRange(failed.Elapsed.TotalSeconds, 8, 16);
            await retry.StopAsync();
        }
    }

    /// <summary>The lab's client config under another name, logging to its own file.</summary>
    [Fact]
    public async Task AuthNoCache_TheCredentialsFileIsReadAgainForTheRenegotiation_AsByTheRealClient()
    {
        // auth-nocache: OpenVPN purges the credentials once sent (ssl.c key_method_2_write -> purge_user_pass) and reads
        // the file again when the next key needs them. The password changes in the file after the first login: the
        // server's renegotiation (reneg-sec 3) must bring the new one, from our client as from the real one; without
        // auth-nocache both send the first one again.
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string dump = Path.Combine(s.Lab.WorkDir, "logins");
        string script = ScriptFiles.WriteExecutable(Path.Combine(s.Lab.WorkDir, "record.sh"),
            $"#!/bin/sh\necho \"$(sed -n 1p \"$1\") $(sed -n 2p \"$1\")\" >> {dump}\nexit 0\n");
        OpenVpnVariant v = OpenVpnVariant.Modern with
        {
            ServerExtra = ["script-security 2", $"auth-user-pass-verify {script} via-file", "reneg-sec 3"],
        };
        await s.StartEitherServerAsync(v, real: true);
        string credentials = Path.Combine(s.Lab.WorkDir, "credentials.txt");

        foreach ((bool real, bool noCache) in new[] { (false, true), (true, true), (false, false), (true, false) })
        {
            string who = $"{(real ? "openvpn" : "sharpvpn")} client{(noCache ? " with auth-nocache" : "")}";
            OpenVpnConfigFile config = s.WriteClientConfig(v, edit: t => t + $"auth-user-pass {credentials}\n" + (noCache ? "auth-nocache\n" : ""));
            File.WriteAllText(credentials, "alice\nfirst\n");
            File.Delete(dump);
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            File.WriteAllText(credentials, "alice\nsecond\n");
            DateTime deadline = DateTime.UtcNow + StartTimeout;
            while ((File.Exists(dump) ? File.ReadAllLines(dump).Length : 0) < 2 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            string[] logins = File.Exists(dump) ? File.ReadAllLines(dump) : [];
            output.WriteLine($"{who}: {string.Join(" | ", logins)}");
            Assert.True(logins.Length >= 2, $"{who}: no renegotiation login within {StartTimeout}:\n{client.Output}");
            Assert.Equal(["alice first", noCache ? "alice second" : "alice first"], logins[..2]);
            await client.StopAsync();
        }
    }

    private static OpenVpnConfigFile WriteVariant(OpenVpnConfigFile plain, string name, string text)
    {
        string dir = Path.GetDirectoryName(plain.ConfigPath)!;
        var file = new OpenVpnConfigFile(Path.Combine(dir, name + ".conf"), Path.Combine(dir, name + ".log"), "");
        File.WriteAllText(file.ConfigPath, text.Replace($"log {plain.LogPath}", $"log {file.LogPath}", StringComparison.Ordinal));
        return file;
    }

    private static LabProcess StartOursOnStdin(ServerScenario s, OpenVpnConfigFile config)
    {
        (string file, string[] args) = SharpVpnCli.Invocation("client", "--config", config.ConfigPath);
        return s.Lab.StartProcess(s.Lab.Client, file, args, followFile: config.LogPath, keepInput: true);
    }

    private static LabProcess StartRealOnTerminal(ServerScenario s, OpenVpnConfigFile config) =>
        s.Lab.StartProcess(s.Lab.Client, "script", ["-qfec", $"openvpn --config {config.ConfigPath}", "/dev/null"],
            followFile: config.LogPath, keepInput: true);

    /// <summary>
    /// User name, password, code. On a pipe they may all be typed at once; on a terminal openvpn flushes typed-ahead
    /// input when it turns echo off for the password (TCSAFLUSH), so each answer waits for the previous one's echo.
    /// </summary>
    private static async Task AnswerAsync(LabProcess client, bool terminal, string user, string password, string code)
    {
        int from = client.LineCount;
        await client.WriteLineAsync(user);
        if (terminal)
        {
            // The terminal echoes the name (before or after the prompt, which has no line end of its own); openvpn then
            // asks for the password at once, so a moment later echo is off and the password is not flushed.
            await client.WaitForOutputAsync(new System.Text.RegularExpressions.Regex($"(^|Username:){user}$"), StartTimeout, from);
            await Task.Delay(1500);
        }

        await client.WriteLineAsync(password);
        if (terminal)
        {
            await client.WaitForOutputAsync("Enter Auth Password:", StartTimeout, from);
            await Task.Delay(500);
        }

        await client.WriteLineAsync(code);
    }

    /// <summary>Ends the client by its own PID: for the real one, the openvpn that <c>script</c> started.</summary>
    private static async Task StopAsync(LabProcess client, bool real)
    {
        if (real && !client.HasExited)
        {
            string children = $"/proc/{client.Pid.ToString(CultureInfo.InvariantCulture)}/task/{client.Pid.ToString(CultureInfo.InvariantCulture)}/children";
            foreach (string pid in File.Exists(children) ? File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries) : [])
            {
                Native.Kill(int.Parse(pid, CultureInfo.InvariantCulture), Native.SigTerm);
            }
        }

        await client.StopAsync();
    }
}
