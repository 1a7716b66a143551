using System.Diagnostics;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Threading;

/// <summary>
/// Keeps a process's data-path threads on one CPU while traffic is sparse, and lets them spread over all CPUs as
/// soon as any of them is busy. Why: with sparse traffic (ping, request/response) each packet is handed from thread
/// to thread (TUN reader → UDP send → peer → UDP receiver → TUN write), and the scheduler likes to wake each next
/// thread on an idle CPU. Waking an idle CPU costs tens of microseconds on a VM (the vCPU halted and the host must
/// reschedule it; on bare metal a deep C-state), several times a context switch on a CPU that is already awake.
/// On one CPU the hand-offs are plain context switches. A busy thread needs a CPU of its own, so then every thread
/// gets the process's full CPU set back.
/// <code>
///  busy   = a thread took ≥ BusyPackets packets in one window of WindowMicroseconds, or one batch ≥ BusyBatch
///  spread : on the first busy batch of any member (at once)
///  gather : after QuietMilliseconds without a busy batch; all members go to the lowest CPU the process may use
/// </code>
/// Each member applies a change itself (sched_setaffinity on its own thread) at its next batch. Off when the
/// process may use only one CPU or the kernel refuses the affinity call (then nothing is pinned). Under Native AOT a
/// new thread, a thread-pool worker too, inherits the affinity of the thread that creates it, so a member about to
/// run work that may start threads (TLS) calls <see cref="Member.Release"/> first.
/// </summary>
public sealed unsafe class SparseCoLocation
{
    public const int BusyPackets = 24;
    public const int WindowMicroseconds = 2000;
    public const int BusyBatch = 8;
    public const int QuietMilliseconds = 200;
    private const int MaskWords = 16; // 1024 CPUs, glibc's cpu_set_t

    private readonly ulong[] _all = new ulong[MaskWords];
    private readonly ulong[] _one = new ulong[MaskWords];
    private readonly long _windowTicks = Stopwatch.Frequency * WindowMicroseconds / 1_000_000;
    private readonly long _quietTicks = Stopwatch.Frequency * QuietMilliseconds / 1000;
    private long _lastBusy;
    private volatile int _generation; // even = gathered on one CPU, odd = spread
    private volatile bool _enabled;

    /// <summary>Reads the calling thread's CPU set (the process's, for a thread that never changed it).</summary>
    public SparseCoLocation()
    {
        // Escape hatch for hosts where CPU placement is managed otherwise (cpusets, tuned IRQ affinity, ...).
        if (Environment.GetEnvironmentVariable(DisableVariable) is "1" or "true")
        {
            return;
        }
        fixed (ulong* all = _all)
        {
            if (LibC.SchedGetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), all) != 0)
            {
                return;
            }
        }
        int count = 0;
        int first = -1;
        for (int w = 0; w < MaskWords; w++)
        {
            ulong bits = _all[w];
            count += System.Numerics.BitOperations.PopCount(bits);
            if (first < 0 && bits != 0)
            {
                first = (w * 64) + System.Numerics.BitOperations.TrailingZeroCount(bits);
            }
        }
        if (count < 2)
        {
            return;
        }
        _one[first / 64] = 1UL << (first % 64);
        HomeCpu = first;
        _enabled = true;
    }

    /// <summary>Set to 1 to leave every thread where the scheduler puts it (no pinning at all).</summary>
    public const string DisableVariable = "SHARPVPN_NO_CPU_COLOCATION";

    /// <summary>One instance per process: every data-path loop joins it.</summary>
    public static SparseCoLocation Process { get; } = new();

    /// <summary>False when there is nothing to do (one CPU) or the kernel refused an affinity change.</summary>
    public bool Enabled => _enabled;

    /// <summary>The CPU the members share while traffic is sparse (the lowest one the process may use), or -1.</summary>
    public int HomeCpu { get; } = -1;

    /// <summary>True while the members are meant to be spread over all CPUs (some member was busy lately).</summary>
    public bool Spread => (_generation & 1) == 1;

    /// <summary>A member for the calling loop's thread; call <see cref="Member.OnBatch"/> from that thread only.</summary>
    public Member Join() => new(this);

    /// <summary>The CPUs the calling thread may run on (sched_getaffinity), ascending; empty if the call fails.</summary>
    public static int[] CurrentThreadCpus()
    {
        ulong* mask = stackalloc ulong[MaskWords];
        if (LibC.SchedGetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), mask) != 0)
        {
            return [];
        }
        var cpus = new List<int>();
        for (int cpu = 0; cpu < MaskWords * 64; cpu++)
        {
            if ((mask[cpu / 64] & (1UL << (cpu % 64))) != 0)
            {
                cpus.Add(cpu);
            }
        }
        return [.. cpus];
    }

    private void Report(bool busy, long now, ref int applied)
    {
        if (!_enabled && applied < 0)
        {
            return; // never steered this thread: nothing to undo
        }
        int generation = _generation;
        if (busy)
        {
            Volatile.Write(ref _lastBusy, now);
            if ((generation & 1) == 0)
            {
                Interlocked.CompareExchange(ref _generation, generation + 1, generation);
            }
        }
        else if ((generation & 1) == 1 && _enabled && now - Volatile.Read(ref _lastBusy) > _quietTicks)
        {
            Interlocked.CompareExchange(ref _generation, generation + 1, generation);
        }
        generation = _generation;
        if (applied == generation)
        {
            return;
        }
        applied = generation;
        bool spread = (generation & 1) == 1 || !_enabled;
        if (SetAffinity(spread ? _all : _one) || spread)
        {
            return;
        }
        // Refused (e.g. a cpuset changed under us): stop steering for good and give every member its CPUs back.
        _enabled = false;
        _ = SetAffinity(_all);
        while (((generation = _generation) & 1) == 0)
        {
            Interlocked.CompareExchange(ref _generation, generation + 1, generation);
        }
        applied = _generation;
    }

    private static bool SetAffinity(ulong[] mask)
    {
        fixed (ulong* m = mask)
        {
            return LibC.SchedSetAffinity(0, (nuint)(MaskWords * sizeof(ulong)), m) == 0;
        }
    }

    /// <summary>One loop thread's view: counts its packets and applies the shared decision to its own thread.</summary>
    public sealed class Member
    {
        private readonly SparseCoLocation _owner;
        private long _windowStart;
        private int _packets;
        private int _applied = -1;

        internal Member(SparseCoLocation owner) => _owner = owner;

        /// <summary>The generation this thread's affinity was last set for (-1 = never).</summary>
        public int AppliedGeneration => _applied;

        /// <summary>After each receive: <paramref name="count"/> packets came in one batch.</summary>
        public void OnBatch(int count)
        {
            long now = Stopwatch.GetTimestamp();
            bool busy = count >= BusyBatch;
            if (now - _windowStart > _owner._windowTicks)
            {
                _windowStart = now;
                _packets = 0;
            }
            _packets += count;
            busy |= _packets >= BusyPackets;
            _owner.Report(busy, now, ref _applied);
        }

        /// <summary>
        /// Gives this thread the process's full CPU set back until its next <see cref="OnBatch"/>: call it before
        /// work that is not the data path (a TLS handshake step, say), because a thread created meanwhile (a
        /// thread-pool worker) would inherit a one-CPU affinity for good.
        /// </summary>
        public void Release()
        {
            if (_applied >= 0 && (_applied & 1) == 0)
            {
                _ = SetAffinity(_owner._all);
            }
            _applied = -1;
        }
    }
}
