using System.CommandLine;
using SharpVpn.Cli;
using SharpVpn.Cli.Commands;

namespace SharpVpn.ClientCli;

/// <summary>
/// Entry point of <c>sharpvpn-client --config FILE [--verb N] [--verbose]</c>: the same client, options and exit codes
/// (<see cref="CommandExit"/>) as <c>sharpvpn client</c>, in an executable that holds nothing else.
/// </summary>
public static class Program
{
    private const string Name = "sharpvpn-client";

    public static int Main(string[] args)
    {
        ClientCommand.PrepareStart();
        // The usual command line skips the general parser (as in 'sharpvpn client'); help, --version and mistakes
        // go through it.
        if (TunnelCommandLine.TryParse(["client", .. args], out TunnelCommandLine? tunnel))
        {
            return CommandExit.Run(Name, () => ClientCommand.Run(tunnel.ConfigPath, tunnel.Verb), tunnel.Verbose);
        }

        return CommandExit.Invoke(Name, BuildRootCommand().Parse(args));
    }

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand($"SharpVPN client: {ClientCommand.Description}. The same client as 'sharpvpn client'.");
        root.Options.Add(GlobalOptions.Verbose);
        return ClientCommand.AddOptionsAndAction(root);
    }
}
