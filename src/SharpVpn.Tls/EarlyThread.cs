using System.Runtime.InteropServices;

namespace SharpVpn.Tls;

/// <summary>
/// Runs start-up work on a thread of its own, started as a plain pthread. <see cref="Thread.Start()"/> spins until
/// the new thread runs, which on a busy 2-core machine cost the caller 0.5-1 ms, more than the overlap gains; the
/// runtime attaches a pthread when it first enters managed code. For work at start-up (the thread is detached and
/// never joined); exceptions must be caught by the work itself.
/// <para>
/// A thread whose work is done lingers for a while (<see cref="Linger"/>) and takes the next work given: making a
/// thread and attaching it to the runtime costs ~1-1.5 ms on a busy virtual machine, and the client's start hands
/// out work in steps (OpenSSL warm-up at Main, then its credentials and ClientHello once the config is read), each
/// on the way to its first packets (issue 7, handshake time). A long-lived loop (a name given) always gets its own.
/// </para>
/// </summary>
public static partial class EarlyThread
{
    /// <summary>How long a thread with nothing to do waits for more before it ends.</summary>
    public static readonly TimeSpan Linger = TimeSpan.FromSeconds(5);

    private static readonly Workers Shared = new(Linger);
    private static int s_foundationsReady;

    /// <summary>
    /// Runs <paramref name="work"/> on a lingering thread if one is idle, else on a new one; false (nothing started)
    /// off Linux or if no thread could be created.
    /// </summary>
    public static bool TryStart(Action work) => Shared.TryStart(work);

    /// <summary>Threads that take more work once theirs is done, for <c>linger</c>; one set per process (tests make their own).</summary>
    internal sealed class Workers(TimeSpan linger)
    {
        // Monitor.Wait, not SemaphoreSlim: a waiting thread must not spin (SemaphoreSlim spins before it blocks),
        // which on a 2-core machine takes the CPU from the very start-up work it waits beside.
        private readonly object _sync = new();
        private readonly Queue<Action> _work = new();
        private int _idle; // lingering threads not yet claimed by a TryStart
        private int _threadsStarted;

        /// <summary>Threads this set has made so far.</summary>
        public int ThreadsStarted => Volatile.Read(ref _threadsStarted);

        public bool TryStart(Action work)
        {
            ArgumentNullException.ThrowIfNull(work);
            if (!OperatingSystem.IsLinux())
            {
                return false;
            }
            lock (_sync)
            {
                if (_idle > 0)
                {
                    _idle--;
                    _work.Enqueue(work);
                    Monitor.Pulse(_sync);
                    return true;
                }
            }
            if (!StartThread(() =>
            {
                work();
                ServeUntilIdle();
            }))
            {
                return false;
            }
            Interlocked.Increment(ref _threadsStarted);
            return true;
        }

        /// <summary>After its work: runs what is given to it until none came for the linger time.</summary>
        private void ServeUntilIdle()
        {
            while (true)
            {
                Action next;
                lock (_sync)
                {
                    _idle++;
                    while (_work.Count == 0)
                    {
                        if (!Monitor.Wait(_sync, linger) && _work.Count == 0)
                        {
                            _idle--; // nothing came: this thread ends
                            return;
                        }
                    }
                    next = _work.Dequeue(); // the TryStart that queued it took the idle slot
                }
                next();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="body"/> on a new detached pthread, first placed on another CPU than the caller's
    /// (<see cref="ThreadPlacement"/>), so it runs now rather than after the caller's time slice.
    /// </summary>
    private static unsafe bool StartThread(Action body)
    {
        InitializeRuntimeFoundations();
        byte[] creatorCpus = new byte[ThreadPlacement.CpuSetBytes];
        Span<byte> elsewhere = stackalloc byte[ThreadPlacement.CpuSetBytes];
        bool place = ThreadPlacement.TryGetStartCpus(creatorCpus, elsewhere);
        GCHandle handle = GCHandle.Alloc(place ? () =>
        {
            ThreadPlacement.Restore(creatorCpus);
            body();
        } : body);
        // pthread_attr_t is 56 bytes on x86-64 and 64 on arm64 (glibc); room for either, 8-byte aligned. Attributes
        // whose affinity could not be set are the defaults: the thread then starts where it would have anyway.
        ulong* attributes = stackalloc ulong[16];
        bool withAttributes = place && PthreadAttrInit(attributes) == 0;
        if (withAttributes)
        {
            fixed (byte* cpus = elsewhere)
            {
                _ = PthreadAttrSetAffinity(attributes, ThreadPlacement.CpuSetBytes, cpus);
            }
        }
        int created = PthreadCreate(out nint thread, withAttributes ? attributes : null, &Run, GCHandle.ToIntPtr(handle));
        if (withAttributes)
        {
            _ = PthreadAttrDestroy(attributes);
        }
        if (created != 0)
        {
            handle.Free();
            return false;
        }
        _ = PthreadDetach(thread);
        return true;
    }

    /// <summary>
    /// Like <see cref="TryStart(Action)"/>, for a long-lived loop: the thread is named <paramref name="name"/> as
    /// top, ps and perf show it (at most 15 bytes; the benchmark reports CPU per thread by these names).
    /// </summary>
    public static bool TryStart(Action work, string name)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return OperatingSystem.IsLinux() && StartThread(() =>
        {
            _ = PthreadSetName(PthreadSelf(), name);
            work();
        });
    }

    /// <summary>
    /// Runs the runtime's own first class constructors (AppContext, the string-key comparer) on the calling thread,
    /// before a second managed thread exists. Native AOT's class-constructor deadlock detection misses this cycle:
    /// the main thread in AppContext's constructor (its first file open) waits for the string comparer's, which an
    /// early thread holds (the crypto interop's first dictionary) while it waits for AppContext's (Lock's first
    /// contention reads an AppContext setting). Both spin forever: a 'sharpvpn server' hung before its first log
    /// line in about 1 of 150 starts in the bench (stacks in issue 7's note). Microseconds, once per process.
    /// </summary>
    private static void InitializeRuntimeFoundations()
    {
        if (Interlocked.Exchange(ref s_foundationsReady, 1) != 0)
        {
            return;
        }
        _ = AppContext.GetData("System.GC.Concurrent");
        _ = new Dictionary<string, int>().Count;
    }

    [UnmanagedCallersOnly]
    private static nint Run(nint argument)
    {
        GCHandle handle = GCHandle.FromIntPtr(argument);
        var work = (Action)handle.Target!;
        handle.Free();
        work();
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "pthread_create")]
    private static unsafe partial int PthreadCreate(out nint thread, ulong* attributes, delegate* unmanaged<nint, nint> start, nint argument);

    [LibraryImport("libc", EntryPoint = "pthread_attr_init")]
    private static unsafe partial int PthreadAttrInit(ulong* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_attr_destroy")]
    private static unsafe partial int PthreadAttrDestroy(ulong* attributes);

    [LibraryImport("libc", EntryPoint = "pthread_attr_setaffinity_np")]
    private static unsafe partial int PthreadAttrSetAffinity(ulong* attributes, nuint size, byte* cpus);

    [LibraryImport("libc", EntryPoint = "pthread_detach")]
    private static partial int PthreadDetach(nint thread);

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    private static partial nint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_setname_np", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int PthreadSetName(nint thread, string name);
}
