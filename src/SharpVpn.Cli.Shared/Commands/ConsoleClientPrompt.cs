using SharpVpn.Cli.Pki;
using SharpVpn.Runtime.Client;

namespace SharpVpn.Cli.Commands;

/// <summary>
/// The client's questions on the console, as OpenVPN asks them (console_builtin.c): the prompt on stderr, the answer
/// from the terminal (not echoed for passwords). When stdin is a pipe (e.g. <c>printf 'alice\nsecret\n' | sharpvpn
/// client ...</c>) one line per question is read from it; at its end there is no answer and the client says so.
/// </summary>
public sealed class ConsoleClientPrompt : IClientPrompt
{
    private readonly Lock _gate = new();

    public string? Ask(string prompt, bool echo)
    {
        lock (_gate)
        {
            if (Console.IsInputRedirected)
            {
                Console.Error.Write(prompt);
                string? line = Console.In.ReadLine();
                Console.Error.WriteLine();
                return line;
            }

            if (!echo)
            {
                return PassphrasePrompt.Read(prompt);
            }

            Console.Error.Write(prompt);
            return Console.ReadLine();
        }
    }
}
