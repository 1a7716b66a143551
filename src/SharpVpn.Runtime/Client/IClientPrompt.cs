namespace SharpVpn.Runtime.Client;

/// <summary>
/// Asks the person running the client for a value (user name, password, one-time code, key passphrase), as OpenVPN
/// asks on the console. The CLI answers from the terminal; null means nobody can answer (no terminal, end of input).
/// </summary>
public interface IClientPrompt
{
    /// <summary>Shows <paramref name="prompt"/> (e.g. "Enter Auth Password:") and returns the line typed, without its end.</summary>
    string? Ask(string prompt, bool echo);
}
