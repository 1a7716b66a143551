using System.CommandLine;

namespace SharpVpn.Cli.Commands;

internal static class GenkeyCommand
{
    public static Command Create()
    {
        var command = new Command("genkey", "Generate OpenVPN static keys (tls-auth / tls-crypt secret, tls-crypt-v2 server and client keys), like 'openvpn --genkey'");
        command.SetAction(int (_) => throw new NotSupportedException("'sharpvpn genkey' is not implemented yet."));
        return command;
    }
}
