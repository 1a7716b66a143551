using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class ServerCommand
{
    public static Command Create()
    {
        var command = new Command("server", "Run the VPN server from an OpenVPN server config (server.conf)");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn server' is not implemented yet."));
        return command;
    }
}
