using System.Text;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// What a client config leaves to be typed, asked as OpenVPN 2.6 asks it (misc.c get_user_pass_cr, same prompts):
/// the private key's passphrase (<c>askpass</c> without a file), the user name and password (<c>auth-user-pass</c>
/// without a file, or a file with only the user name), and the <c>static-challenge</c> response, which is sent
/// packed with the password as <c>SCRV1:base64(password):base64(response)</c>.
/// </summary>
public static class ClientCredentials
{
    /// <summary>The config with the private key's passphrase typed in, if <c>askpass</c> asks for it; else unchanged.</summary>
    /// <exception cref="ClientFatalException">Nobody can type it.</exception>
    public static ClientConfig WithKeyPassphrase(ClientConfig config, IClientPrompt? prompt)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!config.Tls.PromptForPrivateKeyPassword || config.Tls.PrivateKeyPassword is not null)
        {
            return config;
        }

        string pass = Ask(prompt, "Enter Private Key Password:", echo: false, config, "the private key's passphrase (or use 'askpass FILE')");
        return config with { Tls = config.Tls with { PrivateKeyPassword = pass } };
    }

    /// <summary>
    /// The user name and password to log in with: what <c>auth-user-pass</c> gave, the rest typed, and the
    /// static-challenge response packed into the password. Asked at start and again after AUTH_FAILED with
    /// <c>auth-retry interact</c> (a one-time code must be typed anew each time).
    /// </summary>
    /// <exception cref="ClientFatalException">A value is needed and nobody can type it, or the user name is empty.</exception>
    public static (string Username, string Password) AskUserPass(ClientConfig config, IClientPrompt? prompt)
    {
        ArgumentNullException.ThrowIfNull(config);
        AuthUserPassSettings given = config.AuthUserPass ?? throw new InvalidOperationException("the config has no auth-user-pass");
        string? user = given.Username;
        if (user is null)
        {
            user = Ask(prompt, "Enter Auth Username:", echo: true, config, "the user name (or put it in a file: auth-user-pass FILE)");
            if (user.Length == 0)
            {
                throw new ClientFatalException("ERROR: Auth username is empty.");
            }
        }

        string pass = given.Password
            ?? Ask(prompt, "Enter Auth Password:", echo: false, config, "the password (or put it on the second line of auth-user-pass FILE)");
        if (config.StaticChallenge is { } challenge)
        {
            string response = Ask(prompt, $"CHALLENGE: {challenge.Text}", challenge.Echo, config, "the static-challenge response");
            pass = PackStaticChallenge(pass, response);
        }

        return (user, pass);
    }

    /// <summary>
    /// <c>auth-nocache</c>: the credentials read anew for one login, as OpenVPN's client after purging them: the
    /// auth-user-pass file again (a password missing from it, and a static-challenge response, asked), or asked
    /// again when they were typed; an inline block gives the same values each time.
    /// </summary>
    /// <exception cref="ClientFatalException">The file cannot be read or has no user name, or nobody can type a value.</exception>
    public static (string Username, string Password) ReadAgain(ClientConfig config, IClientPrompt? prompt)
    {
        ArgumentNullException.ThrowIfNull(config);
        AuthUserPassSettings given = config.AuthUserPass ?? throw new InvalidOperationException("the config has no auth-user-pass");
        if (given.SourceFile is { } file)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ClientFatalException($"ERROR: cannot read auth-user-pass file '{file}' again (auth-nocache): {ex.Message}");
            }

            given = AuthUserPassSettings.FromText(text, file)
                ?? throw new ClientFatalException($"ERROR: auth-user-pass file '{file}' has no user name on its first line (auth-nocache reads it at each login)");
        }

        return AskUserPass(config with { AuthUserPass = given }, prompt);
    }

    /// <summary>
    /// A server's dynamic challenge (CRV1), answered as OpenVPN's client does: "CHALLENGE: TEXT" asked, then the login is
    /// the challenge's user with the password <c>CRV1::STATE_ID::RESPONSE</c>.
    /// </summary>
    internal static (string Username, string Password) AnswerChallenge(ClientConfig config, IClientPrompt? prompt, DynamicChallenge challenge)
    {
        string response = Ask(prompt, $"CHALLENGE: {challenge.Text}", challenge.Echo, config, "the server's challenge response");
        return (challenge.Username, challenge.PasswordFor(response));
    }

    /// <summary>
    /// A proxy's user name and password: what its auth file (or http-proxy-user-pass) gave, the rest typed with
    /// OpenVPN's prompts ("Enter HTTP Proxy Username:", "Enter SOCKS Proxy Password:").
    /// </summary>
    /// <param name="kind">"HTTP Proxy" or "SOCKS Proxy", as OpenVPN names them in its prompts.</param>
    /// <exception cref="ClientFatalException">A value is needed and nobody can type it.</exception>
    public static (string Username, string Password) AskProxy(ClientConfig config, AuthUserPassSettings? given, string kind, IClientPrompt? prompt)
    {
        ArgumentNullException.ThrowIfNull(config);
        string user = given?.Username
            ?? Ask(prompt, $"Enter {kind} Username:", echo: true, config, $"the {kind.ToLowerInvariant()}'s user name (or give it in a file)");
        string pass = given?.Password
            ?? Ask(prompt, $"Enter {kind} Password:", echo: false, config, $"the {kind.ToLowerInvariant()}'s password (or give it in a file)");
        return (user, pass);
    }

    /// <summary>OpenVPN's static-challenge password: <c>SCRV1:base64(password):base64(response)</c> (management-notes.txt).</summary>
    public static string PackStaticChallenge(string password, string response) =>
        $"SCRV1:{Convert.ToBase64String(Encoding.UTF8.GetBytes(password))}:{Convert.ToBase64String(Encoding.UTF8.GetBytes(response))}";

    private static string Ask(IClientPrompt? prompt, string text, bool echo, ClientConfig config, string what) =>
        prompt?.Ask(text, echo) ?? throw new ClientFatalException(
            $"{config.SourceName} needs {what}, and nobody answered (no terminal, or its input ended): run the client from a terminal, or give the value in the config.");
}
