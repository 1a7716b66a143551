namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// Where our <c>sharpvpn</c> and <c>sharpvpn-client</c> are: the test project references src/SharpVpn.Cli and
/// src/SharpVpn.ClientCli, so sharpvpn.dll and sharpvpn-client.dll (and their apphosts) are copied next to the test
/// assembly.
/// </summary>
public static class SharpVpnCli
{
    /// <summary>Full path of sharpvpn.dll next to the test assembly.</summary>
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "sharpvpn.dll");

    /// <summary>Full path of sharpvpn-client.dll next to the test assembly.</summary>
    public static string ClientPath { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "sharpvpn-client.dll");

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

    /// <summary>The file and arguments that run <c>sharpvpn-client args...</c>: <c>dotnet /path/sharpvpn-client.dll args...</c>.</summary>
    public static (string File, string[] Args) ClientInvocation(params string[] args)
    {
        if (!File.Exists(ClientPath))
        {
            throw new InvalidOperationException($"{ClientPath} is missing; the Interop test project must reference src/SharpVpn.ClientCli.");
        }
        return (DotnetHost, [ClientPath, .. args]);
    }
}
