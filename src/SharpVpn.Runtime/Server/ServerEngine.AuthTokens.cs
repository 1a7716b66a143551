namespace SharpVpn.Runtime.Server;

public sealed partial class ServerEngine
{
    /// <summary>
    /// auth-gen-token's renewal timer (auth_token.c check_send_auth_token): a connected client whose token is a renewal
    /// period old gets a new one of the same session ("PUSH_REPLY,auth-token ..."), so a renewal time shorter than
    /// reneg-sec still keeps its token valid at the next renegotiation.
    /// </summary>
    private void RenewAuthToken(ServerClient client, long now)
    {
        if (_authTokens is not { } tokens || client.AuthTokenInitial is null || client.Username is not { } username)
        {
            client.NextAuthTokenRenewalMs = long.MaxValue;
            return;
        }

        if (!client.Established)
        {
            client.NextAuthTokenRenewalMs = now + 1000; // not admitted yet
            return;
        }

        string token = tokens.Issue(client, username, now);
        client.Session.SendControlMessage("PUSH_REPLY,auth-token " + token, now);
    }
}
