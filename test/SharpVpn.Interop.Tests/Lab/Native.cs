using System.Runtime.InteropServices;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>The two libc calls the lab needs: who we are, and polite signals by PID.</summary>
internal static partial class Native
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    /// <summary>True while /proc has an entry for the PID (zombies included).</summary>
    public static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}");
}
