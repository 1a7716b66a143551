using System.Reflection;
using SharpVpn.Cli;
using SharpVpn.Cli.Commands;

namespace SharpVpn.ClientCli;

/// <summary>
/// The command line of <c>sharpvpn-client</c>: <see cref="TunnelOptions"/> (<c>--config FILE</c>, <c>--verb N</c>,
/// <c>--verbose</c>, <c>--help</c>, <c>--version</c>), the parser <c>sharpvpn client</c>'s usual line goes through too,
/// with this program's help and version. Not System.CommandLine, which <c>sharpvpn</c> uses for everything else: an
/// executable carries the type data of every library it holds and writes it out at every start, and the library's
/// measured ~1-3 ms of a client's start (issue 7, handshake time); the help and errors keep its words.
/// </summary>
public static class ClientCommandLine
{
    public const string Name = "sharpvpn-client";

    public static string HelpText => $"""
        Description:
          SharpVPN client: {ClientCommand.Description}. The same client as 'sharpvpn client'.

        Usage:
          {Name} --config <file> [options]

        Options:
          --config <file>  {ClientCommand.ConfigDescription} (required)
          --verb <n>       {ClientCommand.VerbDescription}
          --verbose        {GlobalOptions.VerboseDescription}
          -?, -h, --help   Show help and usage information
          --version        Show version information

        """;

    /// <summary>The version <c>sharpvpn --version</c> prints (the assembly's informational version).</summary>
    public static string VersionText =>
        typeof(ClientCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
