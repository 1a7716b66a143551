namespace SharpVpn.Config;

/// <summary>
/// <c>management IP PORT [pwfile]</c> or <c>management /path/socket unix [pwfile]</c>.
/// <see cref="Password"/> is the first line of the password file (null: none; "stdin" is unsupported).
/// </summary>
public sealed record ManagementSettings(string Address, int Port, string? UnixSocketPath, string? PasswordFile, string? Password)
{
    public bool IsUnixSocket => UnixSocketPath is not null;
}
