using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class QuickstartCommand
{
    public static Command Create()
    {
        var command = new Command("quickstart", "Set up a complete VPN server in one command: PKI, server.conf, NAT, firewall, first client profile");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn quickstart' is not implemented yet."));
        return command;
    }
}
