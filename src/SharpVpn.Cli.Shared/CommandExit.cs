using System.CommandLine;
using System.CommandLine.Parsing;

namespace SharpVpn.Cli;

/// <summary>
/// Exit codes of <c>sharpvpn</c> and <c>sharpvpn-client</c>: 0 success, 1 usage error, 2 runtime failure. Errors are
/// one sentence on stderr; <c>--verbose</c> adds the stack trace.
/// </summary>
public static class CommandExit
{
    public const int Success = 0;
    public const int Usage = 1;
    public const int Failure = 2;

    /// <summary>
    /// Runs a parsed command line: a mistake in it is a usage error pointing to <c>--help</c> (an unknown word first,
    /// since it explains more than the "required command" complaint it triggers), otherwise as <see cref="Run"/>.
    /// </summary>
    public static int Invoke(string program, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Errors.Count > 0)
        {
            ParseError error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
                ?? parse.Errors[0];
            Console.Error.WriteLine($"{program}: {error.Message} (see '{program} --help')");
            return Usage;
        }
        return Run(program, () => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }),
            parse.GetValue(GlobalOptions.Verbose));
    }

    /// <summary>
    /// Runs a command: usage errors exit 1, failures exit 2, each as one sentence on stderr that starts with
    /// <paramref name="program"/>, the executable's name.
    /// </summary>
    public static int Run(string program, Func<int> command, bool verbose)
    {
        ArgumentNullException.ThrowIfNull(command);
        try
        {
            return command();
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"{program}: {ex.Message}");
            return Usage;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"{program}: {OneSentence(ex)}");
            if (verbose)
            {
                Console.Error.WriteLine(ex.ToString());
            }
            return Failure;
        }
    }

    /// <summary>The exception's message, with inner messages only when they add something.</summary>
    private static string OneSentence(Exception ex)
    {
        string message = ex.Message.Trim();
        if (ex.InnerException is { } inner && !message.Contains(inner.Message, StringComparison.Ordinal))
        {
            message = $"{message.TrimEnd('.')}: {inner.Message.Trim()}";
        }
        return message;
    }
}
