using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class ProfileCommands
{
    public static Command Create()
    {
        var command = new Command("profile", "Manage client profiles: add, list, revoke, renew");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn profile' is not implemented yet."));
        return command;
    }
}
