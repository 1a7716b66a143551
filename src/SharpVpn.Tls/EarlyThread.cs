using System.Runtime.InteropServices;

namespace SharpVpn.Tls;

/// <summary>
/// Runs start-up work on a thread of its own, started as a plain pthread. <see cref="Thread.Start()"/> spins until
/// the new thread runs, which on a busy 2-core machine cost the caller 0.5-1 ms, more than the overlap gains; the
/// runtime attaches a pthread when it first enters managed code. For one-off work at process start only (the
/// thread is detached and never joined); exceptions must be caught by the work itself.
/// </summary>
public static partial class EarlyThread
{
    private static int s_foundationsReady;

    /// <summary>Starts <paramref name="work"/> on a new thread; false (nothing started) off Linux or if none could be created.</summary>
    public static unsafe bool TryStart(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        InitializeRuntimeFoundations();
        GCHandle handle = GCHandle.Alloc(work);
        if (PthreadCreate(out nint thread, 0, &Run, GCHandle.ToIntPtr(handle)) != 0)
        {
            handle.Free();
            return false;
        }
        _ = PthreadDetach(thread);
        return true;
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
    private static unsafe partial int PthreadCreate(out nint thread, nint attributes, delegate* unmanaged<nint, nint> start, nint argument);

    [LibraryImport("libc", EntryPoint = "pthread_detach")]
    private static partial int PthreadDetach(nint thread);
}
