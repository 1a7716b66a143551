using System.Runtime.InteropServices;

namespace SharpVpn.Platform.Interop;

/// <summary>sched_getaffinity(2)/sched_setaffinity(2): pid 0 is the calling thread (affinity is per thread on Linux).</summary>
internal static unsafe partial class LibC
{
    [LibraryImport(Lib, EntryPoint = "sched_getaffinity", SetLastError = true)]
    public static partial int SchedGetAffinity(int pid, nuint size, ulong* mask);

    [LibraryImport(Lib, EntryPoint = "sched_setaffinity", SetLastError = true)]
    public static partial int SchedSetAffinity(int pid, nuint size, ulong* mask);
}
