using System.Text;
using SharpVpn.Config;
using SharpVpn.Protocol.Auth;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The server's auth-gen-token (auth_token.c): issues a client's session token after its password passed
/// auth-user-pass-verify, renews it (same session id) at each renegotiation and every renewal period, and checks the
/// tokens clients send back as their password. Control-loop only.
/// </summary>
internal sealed class AuthTokenIssuer(AuthGenTokenSettings settings, AuthTokenKey key)
{
    public AuthGenTokenSettings Settings { get; } = settings;

    /// <summary>The key from auth-gen-token-secret, or a random one for this run.</summary>
    public static AuthTokenIssuer Create(AuthGenTokenSettings settings)
    {
        AuthTokenKey key = settings.Secret is { } secret ? AuthTokenKey.Parse(secret.Text, secret.Source) : AuthTokenKey.Generate();
        return new AuthTokenIssuer(settings, key);
    }

    public static long NowUnix => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>Checks a token-shaped password; a valid one becomes the session's initial token if it has none yet.</summary>
    public AuthTokenCheck Check(ServerClient client, string username, string password)
    {
        AuthTokenCheck check = AuthToken.Verify(key, username, password, NowUnix, Settings.RenewalSeconds, Settings.LifetimeSeconds, client.AuthTokenInitial);
        if (client.AuthTokenInitial is null && (check & AuthTokenCheck.HmacOk) != 0)
        {
            client.AuthTokenInitial = password;
        }

        return check;
    }

    /// <summary>A new token for the client's session (the first one starts the session); renewal due a period later.</summary>
    public string Issue(ServerClient client, string username, long nowMs)
    {
        string token = AuthToken.Generate(key, username, NowUnix, client.AuthTokenInitial);
        client.AuthTokenInitial ??= token;
        client.AuthToken = token;
        client.NextAuthTokenRenewalMs = nowMs + (Settings.RenewalSeconds * 1000L);
        return token;
    }

    /// <summary>Forgets the client's tokens (a refused token or login), as wipe_auth_token.</summary>
    public static void Wipe(ServerClient client)
    {
        client.AuthToken = null;
        client.AuthTokenInitial = null;
        client.NextAuthTokenRenewalMs = long.MaxValue;
    }

    /// <summary>
    /// What auth-user-pass-verify is told about the session (add_session_token_env): <c>session_state</c> Initial for a
    /// password, else what the token check found; <c>session_id</c> of the session (started now for a first login).
    /// </summary>
    public Dictionary<string, string> ScriptVariables(ServerClient client, string username, string password, AuthTokenCheck? check, long nowMs)
    {
        string state = check switch
        {
            null => "Initial",
            { } c when (c & AuthTokenCheck.HmacOk) == 0 => "Invalid",
            { } c => ((c & AuthTokenCheck.Expired) != 0, (c & AuthTokenCheck.ValidEmptyUser) != 0) switch
            {
                (false, false) => "Authenticated",
                (true, false) => "Expired",
                (false, true) => "AuthenticatedEmptyUser",
                (true, true) => "ExpiredEmptyUser",
            },
        };
        string source;
        if (check is { } valid && (valid & AuthTokenCheck.HmacOk) != 0 && (valid & AuthTokenCheck.Expired) == 0)
        {
            source = password;
        }
        else
        {
            if (client.AuthTokenInitial is null)
            {
                Issue(client, username, nowMs);
            }

            source = client.AuthTokenInitial!;
        }

        return new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["session_state"] = state,
            ["session_id"] = AuthToken.SessionIdOf(source),
        };
    }

    /// <summary>The push lines for the client's current token (push.c prepare_auth_token_push_reply).</summary>
    public static IEnumerable<string> PushLines(ServerClient client)
    {
        if (client.AuthToken is not { } token)
        {
            yield break;
        }

        yield return "auth-token " + token;
        string user = Convert.ToBase64String(Encoding.UTF8.GetBytes(client.Username ?? string.Empty));
        if (user.Length > 0)
        {
            yield return "auth-token-user " + user;
        }
    }
}
