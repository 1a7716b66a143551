using System.Diagnostics;
using System.Globalization;
using SharpVpn.Config;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Server;

/// <summary>The script's answer: accepted, or why not (for the log) and what the client is told, if anything.</summary>
internal sealed record UserPassVerdict(string? Problem, string? ClientReason = null)
{
    public static UserPassVerdict Accepted { get; } = new((string?)null);

    public bool IsAccepted => Problem is null;
}

/// <summary>
/// <c>auth-user-pass-verify</c> for one client, as OpenVPN 2.6 runs it (ssl_verify.c verify_user_pass_script):
/// <c>script_type=user-pass-verify</c>, the client's variables (<see cref="ScriptRunner"/>), <c>password</c> too
/// with via-env, or the credentials in a 0600 temporary file ("username\npassword\n", removed afterwards) named as
/// its last argument (via-file). Exit code 0 accepts; a refusing script may write one line to the file named by
/// <c>auth_failed_reason_file</c>, which the client receives as <c>AUTH_FAILED,reason</c>. Exit code 2 defers the
/// decision: the script (or something it started) later writes "1" (accept) or "0" (refuse) to the file named by
/// <c>auth_control_file</c>, polled until the handshake window ends. As in OpenVPN, characters outside printable
/// ASCII (CR and LF included) reach the script as '_', so a password cannot add lines to the file.
/// </summary>
internal sealed class UserPassScript(UserPassVerifyScript script, ScriptRunner runner)
{
    /// <summary>Runs the script on the thread pool (what it is told about the client is taken now, on the caller's thread).</summary>
    /// <param name="session">auth-gen-token's session_id/session_state, if tokens are on.</param>
    public Task<UserPassVerdict> VerifyAsync(ScriptClient client, string password, IReadOnlyDictionary<string, string>? session = null)
    {
        Dictionary<string, string> context = runner.Context(client);
        foreach ((string name, string value) in session ?? new Dictionary<string, string>())
        {
            context[name] = value;
        }

        string username = client.Username ?? string.Empty;
        return Task.Run(() => Verify(username, password, context));
    }

    private UserPassVerdict Verify(string username, string password, IReadOnlyDictionary<string, string> context)
    {
        username = OpenVpnStringMod.ReplaceControls(username);
        password = OpenVpnStringMod.ReplaceControls(password);
        string? credentialsFile = null;
        string reasonFile = runner.TempFileName("afr");
        string controlFile = runner.TempFileName("acf");
        var clock = Stopwatch.StartNew();
        try
        {
            var variables = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["script_type"] = "user-pass-verify",
                ["script_context"] = "init",
                ["auth_failed_reason_file"] = reasonFile,
                ["auth_control_file"] = controlFile,
            };
            if (script.ViaEnv)
            {
                variables["password"] = password;
            }
            else
            {
                credentialsFile = runner.TempFileName("up");
                ScriptRunner.CreatePrivateFile(credentialsFile, $"{username}\n{password}\n");
            }

            int? exit = runner.Run("auth-user-pass-verify", script.Command, credentialsFile is null ? [] : [credentialsFile], context,
                variables, out string? problem);
            return exit switch
            {
                null => new(problem),
                0 => UserPassVerdict.Accepted,
                2 => AwaitDeferredDecision(controlFile, reasonFile, clock),
                _ => new($"auth-user-pass-verify exited with code {exit.Value.ToString(CultureInfo.InvariantCulture)}", ReadReason(reasonFile)),
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new($"auth-user-pass-verify: cannot write the credentials file: {ex.Message}");
        }
        finally
        {
            if (credentialsFile is not null)
            {
                ScriptRunner.TryDelete(credentialsFile);
            }

            ScriptRunner.TryDelete(reasonFile);
            ScriptRunner.TryDelete(controlFile);
        }
    }

    /// <summary>
    /// Deferred authentication (exit code 2): polls auth_control_file for "1" or "0" (OpenVPN's
    /// key_state_test_auth_control_file reads its first character; anything else means still pending) until the
    /// handshake window, counted from the script's start, is over.
    /// </summary>
    private UserPassVerdict AwaitDeferredDecision(string controlFile, string reasonFile, Stopwatch clock) =>
        runner.AwaitDecision(controlFile, clock, pending: null) switch
        {
            "1" => UserPassVerdict.Accepted,
            "0" => new("auth-user-pass-verify (deferred) refused the client", ReadReason(reasonFile)),
            _ => new($"auth-user-pass-verify (deferred) gave no decision within {runner.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s"),
        };

    /// <summary>The first line of the reason file a refusing script wrote (at most 256 printable characters), or null.</summary>
    private static string? ReadReason(string path)
    {
        string? text = ScriptRunner.TryReadText(path, 256);
        string? line = text?.Split('\n')[0].TrimEnd('\r');
        return string.IsNullOrEmpty(line) ? null : OpenVpnStringMod.ReplaceControls(line);
    }
}
