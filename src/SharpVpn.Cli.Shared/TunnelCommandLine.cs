using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SharpVpn.Cli;

/// <summary>
/// The command line that starts a tunnel, as init systems, scripts and front-ends write it:
/// <c>client|server --config FILE [--verb N] [--verbose]</c>, options in any order, each once. Recognised here
/// without System.CommandLine, whose root command alone (help and version options with their localised
/// descriptions) costs ~0.4 ms of a client's start, all of it before the first packet (issue 7, handshake time).
/// Anything else (help, an unknown, repeated or valueless option, <c>--config=FILE</c>, a response file <c>@x</c>,
/// a value that looks like an option) is declined and goes through the full parser, which gives the same result
/// or its usage error; a test holds the two parsers to the same answers.
/// </summary>
public sealed record TunnelCommandLine(string Command, string ConfigPath, int? Verb, bool Verbose)
{
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out TunnelCommandLine? line)
    {
        ArgumentNullException.ThrowIfNull(args);
        line = null;
        if (args.Count < 3 || args[0] is not ("client" or "server"))
        {
            return false;
        }

        string? config = null;
        int? verb = null;
        bool verbose = false;
        for (int i = 1; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--config" when config is null && TryValue(args, i + 1, out string? path):
                    config = path;
                    i++;
                    break;
                case "--verb" when verb is null && TryValue(args, i + 1, out string? text)
                    && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int level):
                    verb = level;
                    i++;
                    break;
                case "--verbose" when !verbose && !(i + 1 < args.Count && bool.TryParse(args[i + 1], out _)):
                    verbose = true;
                    break;
                default:
                    return false;
            }
        }

        if (config is null)
        {
            return false;
        }
        line = new TunnelCommandLine(args[0], config, verb, verbose);
        return true;
    }

    /// <summary>A plain value at <paramref name="index"/>: present, not empty, not an option, not a response file.</summary>
    private static bool TryValue(IReadOnlyList<string> args, int index, out string? value)
    {
        value = index < args.Count ? args[index] : null;
        return value is { Length: > 0 } && value[0] is not ('-' or '@');
    }
}
