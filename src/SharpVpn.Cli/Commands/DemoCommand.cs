using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Run the whole tutorial on this machine in network namespaces: server, intranet host, client, ping");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn demo' is not implemented yet."));
        return command;
    }
}
