using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class ClientCommand
{
    public static Command Create()
    {
        var command = new Command("client", "Connect to an OpenVPN server with an OpenVPN client config (.ovpn / client.conf)");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn client' is not implemented yet."));
        return command;
    }
}
