using System.Diagnostics.CodeAnalysis;

namespace SharpVpn.Cli;

/// <summary>
/// The command line that starts a tunnel, as init systems, scripts and front-ends write it:
/// <c>client|server --config FILE [--verb N] [--verbose]</c>, read with <see cref="TunnelOptions"/> (the parser of
/// <c>sharpvpn-client</c>) instead of System.CommandLine, whose root command alone costs ~0.4 ms of a client's
/// start, all of it before the first packet (issue 7, handshake time). Anything else (help, the version, a mistake,
/// a response file <c>@x</c>) is declined and goes through the full parser, which gives the same result or its
/// usage error; a test holds the two parsers to the same answers.
/// </summary>
public sealed record TunnelCommandLine(string Command, string ConfigPath, int? Verb, bool Verbose)
{
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out TunnelCommandLine? line)
    {
        ArgumentNullException.ThrowIfNull(args);
        line = null;
        if (args.Count < 2 || args[0] is not ("client" or "server") || args.Any(word => word.StartsWith('@'))
            || !TunnelOptions.TryParse(args, 1, "sharpvpn", out TunnelOptions? options, out _)
            || options.Help || options.Version)
        {
            return false;
        }
        line = new TunnelCommandLine(args[0], options.ConfigPath!, options.Verb, options.Verbose);
        return true;
    }
}
