using System.CommandLine;

namespace SharpVpn.Cli;

public static class GlobalOptions
{
    public const string VerboseDescription = "Print stack traces and extra detail when something fails";

    /// <summary>Show stack traces and debug detail on failure.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = VerboseDescription,
        Recursive = true,
    };
}
