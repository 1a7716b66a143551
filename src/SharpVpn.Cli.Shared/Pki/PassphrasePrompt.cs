using System.Text;

namespace SharpVpn.Cli.Pki;

/// <summary>Reads a passphrase from the terminal without echoing it.</summary>
public static class PassphrasePrompt
{
    /// <summary>True when we may ask: a terminal on stdin and not --batch.</summary>
    public static bool CanPrompt(bool batch) => !batch && !Console.IsInputRedirected;

    public static string Read(string prompt)
    {
        Console.Error.Write(prompt);
        var sb = new StringBuilder();
        while (true)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (sb.Length > 0)
                {
                    sb.Length--;
                }
                continue;
            }
            if (!char.IsControl(key.KeyChar))
            {
                sb.Append(key.KeyChar);
            }
        }
        Console.Error.WriteLine();
        return sb.ToString();
    }

    /// <summary>Asks twice for a new passphrase; a mismatch is an error, as in easy-rsa.</summary>
    public static string ReadNew(string what)
    {
        string first = Read($"Enter new passphrase for {what}: ");
        string second = Read($"Re-enter new passphrase for {what}: ");
        if (first != second)
        {
            throw new UsageException("The passphrases do not match.");
        }
        return first;
    }
}
