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
        bool verbose = args.Contains("--verbose");
        return CommandExit.Run(ClientCommandLine.Name, () =>
        {
            TunnelOptions line = ClientCommandLine.Parse(args);
            if (line.Help || line.Version)
            {
                Console.Out.Write(line.Help ? ClientCommandLine.HelpText : ClientCommandLine.VersionText + Environment.NewLine);
                return CommandExit.Success;
            }
            return ClientCommand.Run(line.ConfigPath!, line.Verb);
        }, verbose);
    }
}
