using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class ServiceCommands
{
    public static Command Create()
    {
        var command = new Command("service", "Install or remove the systemd service that starts the server at boot");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn service' is not implemented yet."));
        return command;
    }
}
