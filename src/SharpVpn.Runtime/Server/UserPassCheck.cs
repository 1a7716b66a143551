using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// How a client's username and password are checked: PAM (the auth-pam plugin line), the auth-user-pass-verify
/// script, or both; as in OpenVPN each configured check must accept (the plugin first, then the script).
/// </summary>
internal sealed class UserPassCheck(PamAuthenticator? pam, UserPassScript? script)
{
    public async Task<UserPassVerdict> VerifyAsync(ScriptClient client, string password, IReadOnlyDictionary<string, string>? session = null)
    {
        if (pam is not null)
        {
            UserPassVerdict verdict = await pam.VerifyAsync(client.Username ?? string.Empty, password).ConfigureAwait(false);
            if (!verdict.IsAccepted)
            {
                return verdict;
            }
        }

        return script is null ? UserPassVerdict.Accepted : await script.VerifyAsync(client, password, session).ConfigureAwait(false);
    }
}
