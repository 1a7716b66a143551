using SharpVpn.Cli;
using SharpVpn.Cli.Commands;

namespace SharpVpn.ClientCli;

/// <summary>
/// Entry point of <c>sharpvpn-client --config FILE [--verb N] [--verbose]</c>: the same client, options and exit codes
/// (<see cref="CommandExit"/>) as <c>sharpvpn client</c>, in an executable that holds nothing else.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        ClientCommand.PrepareStart();
        // Parsed before running, so that --verbose (stack traces) covers whatever fails later; a mistake in the
        // command line is a usage error (exit 1, no stack trace) either way.
        _ = TunnelOptions.TryParse(args, 0, ClientCommandLine.Name, out TunnelOptions? line, out string? mistake);
        return CommandExit.Run(ClientCommandLine.Name, () => line is null ? throw new UsageException(mistake!) : Execute(line),
            line?.Verbose == true);
    }

    private static int Execute(TunnelOptions line)
    {
        if (line.Help || line.Version)
        {
            Console.Out.Write(line.Help ? ClientCommandLine.HelpText : ClientCommandLine.VersionText + Environment.NewLine);
            return CommandExit.Success;
        }
        return ClientCommand.Run(line.ConfigPath!, line.Verb);
    }
}
