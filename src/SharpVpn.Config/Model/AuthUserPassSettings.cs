namespace SharpVpn.Config;

/// <summary>
/// <c>auth-user-pass [FILE]</c> or an inline <c>&lt;auth-user-pass&gt;</c> block: line 1 user name, line 2
/// password. Missing values (no file, or a file with only the user name) must be asked for interactively.
/// </summary>
public sealed record AuthUserPassSettings(string? Username, string? Password, string? SourceFile)
{
    public bool NeedsPrompt => Username is null || Password is null;
}
