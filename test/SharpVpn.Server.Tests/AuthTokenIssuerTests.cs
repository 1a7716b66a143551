using System.Text;
using SharpVpn.Config;
using SharpVpn.Protocol.Auth;
using SharpVpn.Protocol.Keys;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>
/// The server's side of auth-gen-token per client: issue and renew (one session id per connection), what
/// auth-user-pass-verify is told (session_state / session_id, as auth_token.c add_session_token_env), the push lines.
/// </summary>
public sealed class AuthTokenIssuerTests
{
    private static readonly AuthTokenKey Key = AuthTokenKey.Generate();

    [Fact]
    public void FirstLogin_ScriptSeesInitialAndTheSessionId_ThatTheAcceptedLoginsTokenCarries()
    {
        var issuer = new AuthTokenIssuer(new AuthGenTokenSettings(0, 3600, false, null), Key);
        using ServerClient client = NewClient("alice");
        Dictionary<string, string> env = issuer.ScriptVariables(client, "alice", "typed password", check: null, nowMs: 0);
        Assert.Equal("Initial", env["session_state"]);
        Assert.Equal(16, env["session_id"].Length);

        string token = issuer.Issue(client, "alice", nowMs: 1000); // the script accepted
        Assert.Equal(env["session_id"], AuthToken.SessionIdOf(token));
        Assert.Equal(3_601_000, client.NextAuthTokenRenewalMs);
        Assert.Equal(["auth-token " + token, "auth-token-user " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice"))], AuthTokenIssuer.PushLines(client));

        // Renewed at the next renegotiation: a new token of the same session, which the check accepts.
        string renewed = issuer.Issue(client, "alice", nowMs: 5000);
        Assert.Equal(AuthToken.SessionIdOf(token), AuthToken.SessionIdOf(renewed));
        Assert.Equal(AuthTokenCheck.HmacOk, issuer.Check(client, "alice", renewed));
    }

    [Fact]
    public void ExternalAuth_ScriptSeesWhatTheTokenCheckFound()
    {
        var issuer = new AuthTokenIssuer(new AuthGenTokenSettings(0, 3600, true, null), Key);
        using ServerClient reconnecting = NewClient("alice");
        string token = AuthToken.Generate(Key, "alice", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null);
        AuthTokenCheck check = issuer.Check(reconnecting, "alice", token);
        Assert.Equal(AuthTokenCheck.HmacOk, check);
        Assert.Equal(token, reconnecting.AuthTokenInitial); // a reconnect continues the token's session
        Dictionary<string, string> env = issuer.ScriptVariables(reconnecting, "alice", token, check, 0);
        Assert.Equal(("Authenticated", AuthToken.SessionIdOf(token)), (env["session_state"], env["session_id"]));

        using ServerClient forger = NewClient("alice");
        string foreign = AuthToken.Generate(AuthTokenKey.Generate(), "alice", DateTimeOffset.UtcNow.ToUnixTimeSeconds(), null);
        AuthTokenCheck bad = issuer.Check(forger, "alice", foreign);
        Assert.Equal(AuthTokenCheck.Invalid, bad);
        Dictionary<string, string> badEnv = issuer.ScriptVariables(forger, "alice", foreign, bad, 0);
        Assert.Equal("Invalid", badEnv["session_state"]);
        Assert.NotEqual(AuthToken.SessionIdOf(foreign), badEnv["session_id"]); // a new session, not the forged one

        using ServerClient late = NewClient("alice");
        string old = AuthToken.Generate(Key, "alice", DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 7200, null);
        AuthTokenCheck expired = issuer.Check(late, "alice", old);
        Assert.Equal("Expired", issuer.ScriptVariables(late, "alice", old, expired, 0)["session_state"]);
    }

    private static ServerClient NewClient(string username)
    {
        ServerClient client = TestClients.Create(0, "127.0.0.1", 40000);
        client.Username = username;
        return client;
    }
}
