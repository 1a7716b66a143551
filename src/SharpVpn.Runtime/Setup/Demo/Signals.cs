using System.Runtime.InteropServices;

namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>kill(2) for the demo's own child processes (Process.Kill only sends SIGKILL).</summary>
internal static partial class Signals
{
    public const int SigTerm = 15;
    public const int SigKill = 9;

    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
