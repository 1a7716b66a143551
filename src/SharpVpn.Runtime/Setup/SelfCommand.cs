using System.Reflection;
using SharpVpn.Platform.Systemd;

namespace SharpVpn.Runtime.Setup;

/// <summary>The command line that runs this same sharpvpn again (the apphost, or dotnet + sharpvpn.dll).</summary>
public static class SelfCommand
{
    public static IReadOnlyList<string> Current()
    {
        string entry = Assembly.GetEntryAssembly()?.Location
            ?? throw new InvalidOperationException("Cannot tell where the running sharpvpn is (no entry assembly).");
        return SystemdUnit.CurrentCommand(entry);
    }
}
