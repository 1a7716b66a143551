using System.Globalization;
using System.Reflection;
using SharpVpn.Cli;
using SharpVpn.Cli.Commands;

namespace SharpVpn.ClientCli;

/// <summary>
/// The command line of <c>sharpvpn-client</c>: <c>--config FILE</c> (required), <c>--verb N</c>, <c>--verbose</c>,
/// <c>--help</c> and <c>--version</c>; each option once, its value as the next word or after <c>=</c>.
/// Parsed here rather than with System.CommandLine, which <c>sharpvpn client</c> uses: an executable carries the type
/// data of every library it holds and writes it out at every start, and the library's measured ~1-3 ms of a client's
/// start (issue 7, handshake time); three options do not need it. The same descriptions, the same errors' words.
/// </summary>
public sealed record ClientCommandLine(string? ConfigPath, int? Verb, bool Verbose, bool Help, bool Version)
{
    public const string Name = "sharpvpn-client";

    /// <summary>
    /// Parses <paramref name="args"/>; a mistake throws <see cref="UsageException"/> with one sentence naming the word.
    /// </summary>
    public static ClientCommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? config = null;
        int? verb = null;
        bool verbose = false, help = false, version = false;
        for (int i = 0; i < args.Count; i++)
        {
            string word = args[i];
            int equals = word.StartsWith("--", StringComparison.Ordinal) ? word.IndexOf('=', StringComparison.Ordinal) : -1;
            string name = equals > 0 ? word[..equals] : word;
            string? inline = equals > 0 ? word[(equals + 1)..] : null;
            switch (name)
            {
                case "--config":
                    config = Once(config, name, Value(args, ref i, name, inline));
                    break;
                case "--verb":
                    string text = Value(args, ref i, name, inline);
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int level))
                    {
                        throw new UsageException($"--verb expects a number 0..11, not '{text}'.");
                    }
                    verb = verb is null ? level : throw Repeated(name);
                    break;
                case "--verbose" when inline is null:
                    if (verbose)
                    {
                        throw Repeated(name);
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
                    throw new UsageException($"Unrecognized command or argument '{word}'. (see '{Name} --help')");
            }
        }

        if (config is null && !help && !version)
        {
            throw new UsageException($"Option '--config' is required. (see '{Name} --help')");
        }
        return new ClientCommandLine(config, verb, verbose, help, version);
    }

    public static string HelpText => $"""
        Description:
          SharpVPN client: {ClientCommand.Description}. The same client as 'sharpvpn client'.

        Usage:
          {Name} --config <file> [options]

        Options:
          --config <file>  {ClientCommand.ConfigDescription} (required)
          --verb <n>       {ClientCommand.VerbDescription}
          --verbose        {GlobalOptions.VerboseDescription}
          -?, -h, --help   Show help and usage information
          --version        Show version information

        """;

    /// <summary>The version <c>sharpvpn --version</c> prints (the assembly's informational version).</summary>
    public static string VersionText =>
        typeof(ClientCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static string Value(IReadOnlyList<string> args, ref int i, string name, string? inline)
    {
        if (inline is not null)
        {
            return inline.Length > 0 ? inline : throw MissingValue(name);
        }
        if (i + 1 >= args.Count || args[i + 1].StartsWith('-'))
        {
            throw MissingValue(name);
        }
        return args[++i];
    }

    private static string Once(string? current, string name, string value) => current is null ? value : throw Repeated(name);

    private static UsageException MissingValue(string name) => new($"Required argument missing for option: '{name}'. (see '{Name} --help')");

    private static UsageException Repeated(string name) => new($"Option '{name}' expects a single argument but 2 were provided. (see '{Name} --help')");
}
