namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// Where our <c>sharpvpn</c> is: the test project references src/SharpVpn.Cli, so sharpvpn.dll
/// (and its apphost) are copied next to the test assembly.
/// </summary>
public static class SharpVpnCli
{
    /// <summary>Full path of sharpvpn.dll next to the test assembly.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "sharpvpn.dll");

    /// <summary>The dotnet host running these tests, so the CLI runs on the same runtime.</summary>
    public static string DotnetHost { get; } =
        Environment.ProcessPath is { } p && System.IO.Path.GetFileName(p) == "dotnet" ? p : "dotnet";

    /// <summary>The file and arguments that run <c>sharpvpn args...</c>: <c>dotnet /path/sharpvpn.dll args...</c>.</summary>
    public static (string File, string[] Args) Invocation(params string[] args)
    {
        if (!File.Exists(Path))
        {
            throw new InvalidOperationException($"{Path} is missing; the Interop test project must reference src/SharpVpn.Cli.");
        }
        return (DotnetHost, [Path, .. args]);
    }
}
