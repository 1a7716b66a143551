using System.CommandLine;
using SharpVpn.Cli.Commands;
using SharpVpn.Tls;

namespace SharpVpn.Cli;

/// <summary>
/// Entry point of the <c>sharpvpn</c> command (exit codes: <see cref="CommandExit"/>). The tunnel client alone is
/// also shipped as <c>sharpvpn-client</c> (SharpVpn.ClientCli), which starts faster.
/// </summary>
public static class Program
{
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
                ClientCommand.PrepareStart();
            }
            else
            {
                OpenSslWarmup.Start();
            }
            if (TunnelCommandLine.TryParse(args, out TunnelCommandLine? tunnel))
            {
                return CommandExit.Run("sharpvpn", () => tunnel.Command == "client"
                    ? ClientCommand.Run(tunnel.ConfigPath, tunnel.Verb)
                    : ServerCommand.Run(tunnel.ConfigPath, tunnel.Verb), tunnel.Verbose);
            }
            root = BuildRootCommand(args[0] == "client" ? ClientCommand.Create() : ServerCommand.Create());
        }
        else
        {
            root = BuildRootCommand();
        }

        return CommandExit.Invoke("sharpvpn", root.Parse(args));
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
}
