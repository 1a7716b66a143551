namespace SharpVpn.Config;

/// <summary>
/// <c>auth-user-pass-verify CMD via-file|via-env</c>: a program that decides on each client's username and password
/// (exit code 0 accepts), as OpenVPN runs it: the command line split into words without a shell, the credentials in
/// a 0600 temporary file named as the last argument (via-file) or in the <c>username</c>/<c>password</c> environment
/// variables (via-env, which needs <c>script-security 3</c>).
/// </summary>
/// <param name="Command">Program (absolute path) and its own arguments.</param>
/// <param name="ViaEnv">True for via-env, false for via-file.</param>
public sealed record UserPassVerifyScript(IReadOnlyList<string> Command, bool ViaEnv);
