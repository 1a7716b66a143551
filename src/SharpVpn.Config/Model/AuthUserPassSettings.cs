namespace SharpVpn.Config;

/// <summary>
/// <c>auth-user-pass [FILE]</c> or an inline <c>&lt;auth-user-pass&gt;</c> block: line 1 user name, line 2
/// password. Missing values (no file, or a file with only the user name) must be asked for interactively.
/// </summary>
public sealed record AuthUserPassSettings(string? Username, string? Password, string? SourceFile)
{
    public bool NeedsPrompt => Username is null || Password is null;

    /// <summary>
    /// The credentials file's text (user name on line 1, password on line 2, CR ignored), or null when line 1 is
    /// empty. Used for the config and again for each login under <c>auth-nocache</c>.
    /// </summary>
    public static AuthUserPassSettings? FromText(string text, string? sourceFile)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] lines = text.Replace("\r", "", StringComparison.Ordinal).Split('\n');
        string? user = lines[0].Length > 0 ? lines[0] : null;
        string? pass = lines.Length > 1 && lines[1].Length > 0 ? lines[1] : null;
        return user is null ? null : new AuthUserPassSettings(user, pass, sourceFile);
    }

    /// <summary>True when something must be typed at each login: a missing value or a static-challenge response.</summary>
    public bool NeedsPromptWith(StaticChallenge? challenge) => NeedsPrompt || challenge is not null;
}

/// <summary>
/// <c>static-challenge TEXT ECHO</c>: with the password the client asks "CHALLENGE: TEXT" (a one-time code) and sends
/// <c>SCRV1:base64(password):base64(response)</c> as the password (OpenVPN misc.c get_user_pass_cr).
/// </summary>
public sealed record StaticChallenge(string Text, bool Echo);
