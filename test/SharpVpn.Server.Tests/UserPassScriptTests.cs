using System.Diagnostics;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Protocol.Control;
using SharpVpn.Runtime.Server;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Server.Tests;

/// <summary>
/// The auth-user-pass-verify runner with real /bin/sh scripts (the interop tests run it inside the server against
/// real openvpn clients and compare with the real openvpn server): refusal reasons, the credentials file, the
/// characters a client cannot smuggle into it, and a hung script.
/// </summary>
public sealed class UserPassScriptTests : ScriptDirectory
{
    private Checker Runner(string script, bool viaEnv, TimeSpan? timeout = null, params string[] args) =>
        new(new UserPassScript(new UserPassVerifyScript([script, .. args], viaEnv), new ScriptRunner(Dir, [new("SETENV_NAME", "from-setenv")],
            () => new Dictionary<string, string> { ["dev"] = "tun0" }, timeout ?? TimeSpan.FromSeconds(20))));

    private static (ScriptClient Client, string Password) Request(string user, string password) =>
        (new ScriptClient("client", user, null, null, new IPEndPoint(IPAddress.Parse("172.16.0.8"), 40000), PeerInfo.Parse("IV_VER=2.6.14\nIV_PLAT=linux\n")), password);

    private sealed class Checker(UserPassScript script)
    {
        public Task<UserPassVerdict> VerifyAsync((ScriptClient Client, string Password) request) => script.VerifyAsync(request.Client, request.Password);
    }

    [Fact]
    public async Task ViaFile_FileHoldsTwoLines_Mode600_RemovedAfterwards_ExitCodeDecides()
    {
        string copy = Path.Combine(Dir, "copy");
        string script = Script($"cp \"$1\" {copy}; stat -c %a \"$1\" > {copy}.mode; [ \"$(sed -n 2p \"$1\")\" = \"pa ss\" ]");
        UserPassVerdict ok = await Runner(script, viaEnv: false).VerifyAsync(Request("alice", "pa ss"));
        Assert.True(ok.IsAccepted, ok.Problem);
        Assert.Equal("alice\npa ss\n", File.ReadAllText(copy));
        Assert.Equal("600", File.ReadAllText(copy + ".mode").Trim());
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*")); // credentials and reason files are gone

        UserPassVerdict refused = await Runner(script, viaEnv: false).VerifyAsync(Request("alice", "wrong"));
        Assert.False(refused.IsAccepted);
        Assert.Equal("auth-user-pass-verify exited with code 1", refused.Problem);
        Assert.Null(refused.ClientReason);
    }

    [Fact]
    public async Task ControlCharacters_BecomeUnderscores_SoAPasswordCannotAddLines()
    {
        string copy = Path.Combine(Dir, "copy");
        UserPassVerdict v = await Runner(Script($"cp \"$1\" {copy}"), viaEnv: false).VerifyAsync(Request("al\nice", "x\nroot\r\u0001\u00e9"));
        Assert.True(v.IsAccepted, v.Problem);
        Assert.Equal("al_ice\nx_root__é\n", File.ReadAllText(copy)); // as openvpn: controls go, UTF-8 stays
    }

    [Fact]
    public void AScriptOpenForWriting_RunsOnceTheWriterClosesIt()
    {
        // execve refuses a file someone has open for writing (ETXTBSY): an editor saving the script as a client
        // logs in, or a process forked meanwhile holding a copy of the writer's descriptor until it execs. Without
        // the runner's retry the run fails at once with "Text file busy". Run on this thread (the verifier's pool
        // thread could start after the writer is gone); a thread of its own closes the writer meanwhile.
        string script = Script("exit 7");
        var runner = new ScriptRunner(Dir, [], () => new Dictionary<string, string>(), TimeSpan.FromSeconds(20));
        var writer = new FileStream(script, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        var closer = new Thread(() =>
        {
            Thread.Sleep(50);
            writer.Dispose();
        });
        closer.Start();
        try
        {
            int? exit = runner.Run("test script", [script], [], runner.Context(null), [], out string? problem);
            Assert.True(exit == 7, problem);
        }
        finally
        {
            closer.Join();
        }
    }

    [Fact]
    public async Task ViaEnv_PasswordAndOpenVpnVariablesInAnEnvironmentOfItsOwn()
    {
        string dump = Path.Combine(Dir, "env");
        Environment.SetEnvironmentVariable("SV_TEST_LEAK", "server-environment");
        try
        {
            UserPassVerdict v = await Runner(Script($"env > {dump}"), viaEnv: true).VerifyAsync(Request("alice", "s3cret"));
            Assert.True(v.IsAccepted);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SV_TEST_LEAK", null);
        }

        string env = File.ReadAllText(dump);
        foreach (string expected in new[] { "username=alice", "password=s3cret", "common_name=client", "untrusted_ip=172.16.0.8",
                     "untrusted_port=40000", "script_type=user-pass-verify", "IV_VER=2.6.14", "IV_PLAT=linux", "dev=tun0", "SETENV_NAME=from-setenv" })
        {
            Assert.Contains(expected + "\n", env, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("SV_TEST_LEAK", env, StringComparison.Ordinal); // only what OpenVPN would pass
    }

    [Fact]
    public async Task Refusal_ReasonFileLineGoesToTheClient()
    {
        string script = Script("printf 'Account disabled\\nsecond line\\n' > \"$auth_failed_reason_file\"; exit 3");
        UserPassVerdict v = await Runner(script, viaEnv: false).VerifyAsync(Request("alice", "x"));
        Assert.Equal("auth-user-pass-verify exited with code 3", v.Problem);
        Assert.Equal("Account disabled", v.ClientReason);
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*"));
    }

    [Fact]
    public async Task HungScript_IsKilledAtTheTimeout_AndRefuses()
    {
        string marker = Path.Combine(Dir, "still-running");
        var clock = Stopwatch.StartNew();
        UserPassVerdict v = await Runner(Script($"sleep 30; touch {marker}"), viaEnv: false, TimeSpan.FromMilliseconds(500)).VerifyAsync(Request("alice", "x"));
        Assert.False(v.IsAccepted);
        Assert.Contains("did not finish within 0.5 s (killed)", v.Problem, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*"));
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("0", false)]
    public async Task ExitCode2_DefersTheDecisionToTheControlFile(string decision, bool accepted)
    {
        string script = Script($"( sleep 0.5; echo {decision} > \"$auth_control_file\" ) > /dev/null 2>&1 &\nexit 2");
        var clock = Stopwatch.StartNew();
        UserPassVerdict v = await Runner(script, viaEnv: false).VerifyAsync(Request("alice", "x"));
        Assert.Equal(accepted, v.IsAccepted);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(400), "decided before the control file was written");
        if (!accepted)
        {
            Assert.Contains("(deferred) refused", v.Problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExitCode2_WithoutADecision_RefusesWhenTheWindowEnds()
    {
        UserPassVerdict v = await Runner(Script("exit 2"), viaEnv: false, TimeSpan.FromMilliseconds(600)).VerifyAsync(Request("alice", "x"));
        Assert.False(v.IsAccepted);
        Assert.Contains("gave no decision within 0.6 s", v.Problem, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*"));
    }

    [Fact]
    public async Task ProgramThatCannotRun_Refuses()
    {
        UserPassVerdict v = await Runner(Path.Combine(Dir, "missing.sh"), viaEnv: false).VerifyAsync(Request("alice", "x"));
        Assert.False(v.IsAccepted);
        Assert.Contains("could not run", v.Problem, StringComparison.Ordinal);
    }
}
