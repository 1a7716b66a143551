using System.Numerics;
using System.Runtime.InteropServices;

namespace SharpVpn.Tls;

/// <summary>
/// Where a new start-up thread first runs. Linux puts a new thread on its creator's CPU and leaves it queued there
/// while the creator keeps running, even with the other CPU idle, until the next scheduler tick balances them: up to
/// 4 ms at 250 Hz (measured on the bench's 2-core VM: a thread made by a busy creator ran after 3.8 ms median; 0.12 ms
/// when made with an affinity that excludes the creator's CPU). Every start-up thread of the client is made while its
/// creator goes on working (OpenSSL load, credentials and ClientHello, receive loop), so each could lose up to a tick
/// before it ran (issue 7, handshake time). A thread is therefore made with the creator's CPUs minus the one it is
/// on, and widens its affinity back to the creator's set as its first act (<see cref="Restore"/>); the set the
/// process was given (taskset, cgroup cpuset) is kept, only the first placement changes. The cost: when every other
/// CPU is busy and the creator goes to sleep at once, the new thread still waits for one of the others (the
/// scheduler gives it a slice within ~1 ms) instead of taking the creator's; our start-up threads are made by
/// creators that go on working.
/// </summary>
internal static partial class ThreadPlacement
{
    /// <summary>glibc's cpu_set_t: 1024 CPUs. With more, sched_getaffinity fails and threads start as before.</summary>
    public const int CpuSetBytes = 128;

    /// <summary>
    /// The calling thread's CPU set (<paramref name="creatorCpus"/>) and that set without the CPU it runs on
    /// (<paramref name="elsewhere"/>). False when either is unknown or nothing is left (one CPU): start the thread as usual.
    /// </summary>
    public static unsafe bool TryGetStartCpus(Span<byte> creatorCpus, Span<byte> elsewhere)
    {
        if (!OperatingSystem.IsLinux() || creatorCpus.Length != CpuSetBytes)
        {
            return false;
        }
        fixed (byte* cpus = creatorCpus)
        {
            if (SchedGetAffinity(0, CpuSetBytes, cpus) != 0)
            {
                return false;
            }
        }
        return Exclude(creatorCpus, SchedGetCpu(), elsewhere);
    }

    /// <summary><paramref name="cpus"/> without <paramref name="cpu"/> into <paramref name="result"/>; false if that leaves none.</summary>
    public static bool Exclude(ReadOnlySpan<byte> cpus, int cpu, Span<byte> result)
    {
        if (cpu < 0 || cpu >= cpus.Length * 8 || result.Length < cpus.Length)
        {
            return false;
        }
        int left = 0;
        for (int i = 0; i < cpus.Length; i++)
        {
            byte b = i == cpu / 8 ? (byte)(cpus[i] & ~(1 << (cpu % 8))) : cpus[i];
            result[i] = b;
            left += BitOperations.PopCount(b);
        }
        return left > 0;
    }

    /// <summary>Gives the calling thread the CPU set its creator had (<see cref="TryGetStartCpus"/>).</summary>
    public static unsafe void Restore(byte[] creatorCpus)
    {
        fixed (byte* cpus = creatorCpus)
        {
            _ = SchedSetAffinity(0, (nuint)creatorCpus.Length, cpus);
        }
    }

    /// <summary>The calling thread's CPU set, or null (for tests and diagnostics).</summary>
    public static unsafe byte[]? CurrentCpus()
    {
        byte[] cpus = new byte[CpuSetBytes];
        fixed (byte* p = cpus)
        {
            return OperatingSystem.IsLinux() && SchedGetAffinity(0, CpuSetBytes, p) == 0 ? cpus : null;
        }
    }

    /// <summary>The CPU the calling thread runs on, or -1.</summary>
    public static int CurrentCpu() => OperatingSystem.IsLinux() ? SchedGetCpu() : -1;

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = false)]
    private static unsafe partial int SchedGetAffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = false)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc", EntryPoint = "sched_getcpu", SetLastError = false)]
    private static partial int SchedGetCpu();
}
