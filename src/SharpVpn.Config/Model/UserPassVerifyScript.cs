namespace SharpVpn.Config;

/// <summary>
/// <c>auth-user-pass-verify CMD via-file|via-env</c>: a program that decides on each client's username and password
/// (exit code 0 accepts), as OpenVPN runs it: the command line split into words without a shell, the credentials in
/// a 0600 temporary file named as the last argument (via-file) or in the <c>username</c>/<c>password</c> environment
/// variables (via-env, which needs <c>script-security 3</c>).
/// </summary>
/// <param name="Command">Program (absolute path) and its own arguments.</param>
/// <param name="ViaEnv">True for via-env, false for via-file.</param>
public sealed record UserPassVerifyScript(IReadOnlyList<string> Command, bool ViaEnv)
{
    /// <summary>
    /// Splits a command string into words as OpenVPN's argv_parse_cmd does for scripts: whitespace separates, double
    /// or single quotes group, a backslash escapes the next character. No shell: no variables, globs or pipes.
    /// </summary>
    public static List<string> SplitCommand(string command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool inWord = false;
        char quote = '\0';
        for (int i = 0; i < command.Length; i++)
        {
            char c = command[i];
            if (c == '\\' && quote != '\'' && i + 1 < command.Length)
            {
                word.Append(command[++i]);
                inWord = true;
            }
            else if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (quote != '\0')
        {
            throw new FormatException($"unbalanced {quote} quote");
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }
}
