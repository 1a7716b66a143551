using System.CommandLine;

namespace SharpVpn.Cli;

public static class GlobalOptions
{
    /// <summary>Show stack traces and debug detail on failure.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Print stack traces and extra detail when something fails",
        Recursive = true,
    };
}
