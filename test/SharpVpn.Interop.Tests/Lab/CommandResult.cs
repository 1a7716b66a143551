namespace SharpVpn.Interop.Tests.Lab;

/// <summary>The outcome of a finished command: exit code and both output streams.</summary>
public sealed record CommandResult(string CommandLine, int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Returns this result, or throws with the command and its output when it failed.</summary>
    public CommandResult EnsureSuccess()
    {
        if (ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{CommandLine}' exited with {ExitCode}.\nstdout:\n{StdOut}\nstderr:\n{StdErr}");
        }
        return this;
    }

    public override string ToString() => $"'{CommandLine}' -> {ExitCode}\n{StdOut}{StdErr}";
}
