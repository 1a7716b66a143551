using System.CommandLine;
using System.CommandLine.Parsing;
using SharpVpn.Cli.Commands;
using SharpVpn.Tls;

namespace SharpVpn.Cli;

/// <summary>
/// Entry point of the <c>sharpvpn</c> command. Exit codes: 0 success, 1 usage error,
/// 2 runtime failure. Errors are one sentence on stderr; <c>--verbose</c> adds the stack trace.
/// </summary>
public static class Program
{
    public const int ExitSuccess = 0;
    public const int ExitUsage = 1;
    public const int ExitFailure = 2;

    public static int Main(string[] args)
    {
        RootCommand root;
        if (args is ["client" or "server", ..])
        {
            // A tunnel's start is on the clock (issue 7, handshake time): OpenSSL loads meanwhile, the usual command
            // line skips the general parser, and otherwise only the one command is built (parsing and help of
            // 'sharpvpn client|server ...' are the same either way).
            if (args[0] == "client")
            {
                // The client loads its credentials on a side thread (FirstTlsEngine): set this up while single-threaded.
                ChainWarmup.HideSystemStore();
            }
            OpenSslWarmup.Start();
            if (TunnelCommandLine.TryParse(args, out TunnelCommandLine? tunnel))
            {
                return Execute(() => tunnel.Command == "client"
                    ? ClientCommand.Run(tunnel.ConfigPath, tunnel.Verb)
                    : ServerCommand.Run(tunnel.ConfigPath, tunnel.Verb), tunnel.Verbose);
            }
            root = BuildRootCommand(args[0] == "client" ? ClientCommand.Create() : ServerCommand.Create());
        }
        else
        {
            root = BuildRootCommand();
        }

        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // An unknown word explains more than the "required command" complaint it triggers.
            ParseError error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal))
                ?? parse.Errors[0];
            Console.Error.WriteLine($"sharpvpn: {error.Message} (see 'sharpvpn --help')");
            return ExitUsage;
        }

        return Execute(() => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }),
            parse.GetValue(GlobalOptions.Verbose));
    }

    /// <summary>Runs a command: usage errors exit 1, failures exit 2, each as one sentence on stderr.</summary>
    private static int Execute(Func<int> command, bool verbose)
    {
        try
        {
            return command();
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"sharpvpn: {ex.Message}");
            return ExitUsage;
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"sharpvpn: {OneSentence(ex)}");
            if (verbose)
            {
                Console.Error.WriteLine(ex.ToString());
            }
            return ExitFailure;
        }
    }

    public static RootCommand BuildRootCommand()
    {
        RootCommand root = BuildRootCommand(PkiCommands.Create());
        root.Subcommands.Add(GenkeyCommand.Create());
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(ClientCommand.Create());
        root.Subcommands.Add(ProfileCommands.Create());
        root.Subcommands.Add(QuickstartCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ServiceCommands.Create());
        return root;
    }

    /// <summary>The root command with its global options and <paramref name="first"/> as its only subcommand so far.</summary>
    private static RootCommand BuildRootCommand(Command first)
    {
        var root = new RootCommand(
            "SharpVPN: an OpenVPN-compatible VPN server, client and PKI. " +
            "Start with 'sharpvpn quickstart' on the server, or 'sharpvpn demo' to see the whole tutorial run in namespaces.");
        root.Options.Add(GlobalOptions.Verbose);
        root.Subcommands.Add(first);
        return root;
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
