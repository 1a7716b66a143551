using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class PkiCommands
{
    public static Command Create()
    {
        var command = new Command("pki", "Build and run an easy-rsa compatible certificate authority (init-pki, build-ca, sign-req, revoke, gen-crl, list, ...)");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn pki' is not implemented yet."));
        return command;
    }
}
