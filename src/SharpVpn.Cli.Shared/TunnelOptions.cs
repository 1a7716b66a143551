using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SharpVpn.Cli;

/// <summary>
/// The options of a tunnel command: <c>--config FILE</c> (required unless help or the version is asked for),
/// <c>--verb N</c>, <c>--verbose</c>, <c>--help</c> (<c>-h</c>, <c>-?</c>) and <c>--version</c>; each option once, its
/// value as the next word or after <c>=</c>. One parser for both executables: <c>sharpvpn-client</c> parses its whole
/// command line with it, <c>sharpvpn client|server</c> its usual line (<see cref="TunnelCommandLine"/>), both without
/// System.CommandLine, whose type data alone costs a client's start ~1-3 ms (issue 7, handshake time). A mistake gets
/// the sentence System.CommandLine would write, naming the word.
/// </summary>
public sealed record TunnelOptions(string? ConfigPath, int? Verb, bool Verbose, bool Help, bool Version)
{
    /// <summary>
    /// Parses <paramref name="args"/> from <paramref name="start"/> on; false with one sentence in <paramref name="error"/>
    /// (its hint names <paramref name="program"/>) for a mistake.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, int start, string program,
        [NotNullWhen(true)] out TunnelOptions? options, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = null;
        string? config = null;
        int? verb = null;
        bool verbose = false, help = false, version = false;
        for (int i = start; i < args.Count; i++)
        {
            string word = args[i];
            int equals = word.StartsWith("--", StringComparison.Ordinal) ? word.IndexOf('=', StringComparison.Ordinal) : -1;
            string name = equals > 0 ? word[..equals] : word;
            string? inline = equals > 0 ? word[(equals + 1)..] : null;
            string? value;
            switch (name)
            {
                case "--config":
                    if ((error = Value(args, ref i, name, inline, program, out value)
                            ?? (config is null ? null : Repeated(name, program))) is not null)
                    {
                        return false;
                    }
                    config = value;
                    break;
                case "--verb":
                    if ((error = Value(args, ref i, name, inline, program, out value)
                            ?? (verb is null ? null : Repeated(name, program))) is not null)
                    {
                        return false;
                    }
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int level))
                    {
                        error = $"--verb expects a number 0..11, not '{value}'.";
                        return false;
                    }
                    verb = level;
                    break;
                case "--verbose" when inline is null:
                    if (verbose)
                    {
                        error = Repeated(name, program);
                        return false;
                    }
                    verbose = true;
                    break;
                case "-h" or "-?" or "--help" when inline is null:
                    help = true;
                    break;
                case "--version" when inline is null:
                    version = true;
                    break;
                default:
                    error = $"Unrecognized command or argument '{word}'. (see '{program} --help')";
                    return false;
            }
        }

        if (config is null && !help && !version)
        {
            error = $"Option '--config' is required. (see '{program} --help')";
            return false;
        }
        options = new TunnelOptions(config, verb, verbose, help, version);
        error = null;
        return true;
    }

    /// <summary>The option's value (after '=' or the next word, which must not look like an option); else the error.</summary>
    private static string? Value(IReadOnlyList<string> args, ref int i, string name, string? inline, string program, out string? value)
    {
        value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null);
        return string.IsNullOrEmpty(value) ? $"Required argument missing for option: '{name}'. (see '{program} --help')" : null;
    }

    private static string Repeated(string name, string program) =>
        $"Option '{name}' expects a single argument but 2 were provided. (see '{program} --help')";
}
