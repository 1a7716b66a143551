using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Threading;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// The real sched_setaffinity on real threads: members gather on the home CPU while sparse, all spread on one busy
/// batch, and gather again after the quiet period; with one CPU nothing is ever pinned.
/// </summary>
public sealed partial class SparseCoLocationTests
{
    [Fact]
    public void SparseBatches_GatherOnHomeCpu_OneBusyBatchSpreadsEveryMember_QuietGathersAgain()
    {
        using var a = new StepThread();
        using var b = new StepThread();
        int[] all = a.Run(SparseCoLocation.CurrentThreadCpus);
        var colocation = a.Run(() => new SparseCoLocation());
        if (all.Length < 2)
        {
            Assert.False(colocation.Enabled);
            return;
        }
        Assert.True(colocation.Enabled);
        Assert.Equal(all[0], colocation.HomeCpu);
        SparseCoLocation.Member ma = a.Run(colocation.Join);
        SparseCoLocation.Member mb = b.Run(colocation.Join);

        a.Run(() => ma.OnBatch(1));
        b.Run(() => mb.OnBatch(1));
        Assert.False(colocation.Spread);
        Assert.Equal([colocation.HomeCpu], a.Run(SparseCoLocation.CurrentThreadCpus));
        Assert.Equal([colocation.HomeCpu], b.Run(SparseCoLocation.CurrentThreadCpus));

        a.Run(() => ma.OnBatch(SparseCoLocation.BusyBatch));
        Assert.True(colocation.Spread);
        Assert.Equal(all, a.Run(SparseCoLocation.CurrentThreadCpus));
        // The other member follows at its next batch, even a sparse one: the process is busy.
        b.Run(() => mb.OnBatch(1));
        Assert.Equal(all, b.Run(SparseCoLocation.CurrentThreadCpus));

        Thread.Sleep(SparseCoLocation.QuietMilliseconds + 100);
        b.Run(() => mb.OnBatch(1));
        Assert.False(colocation.Spread);
        Assert.Equal([colocation.HomeCpu], b.Run(SparseCoLocation.CurrentThreadCpus));
        a.Run(() => ma.OnBatch(1));
        Assert.Equal([colocation.HomeCpu], a.Run(SparseCoLocation.CurrentThreadCpus));
    }

    [Fact]
    public void Release_GivesTheThreadAllCpusUntilItsNextBatch_AndThreadsItStartsInheritThem()
    {
        using var a = new StepThread();
        int[] all = a.Run(SparseCoLocation.CurrentThreadCpus);
        var colocation = a.Run(() => new SparseCoLocation());
        if (!colocation.Enabled)
        {
            return;
        }
        SparseCoLocation.Member member = a.Run(colocation.Join);
        a.Run(() => member.OnBatch(1));
        Assert.Equal([colocation.HomeCpu], a.Run(SparseCoLocation.CurrentThreadCpus));

        // Under Native AOT a new thread (a thread-pool worker too) gets its creator's affinity (CoreCLR gives it the
        // main thread's): after Release, what this thread starts may use every CPU.
        a.Run(member.Release);
        Assert.Equal(all, a.Run(SparseCoLocation.CurrentThreadCpus));
        Assert.Equal(all, a.Run(CpusOfANewThread));
        Assert.False(colocation.Spread);

        a.Run(() => member.OnBatch(1));
        Assert.Equal([colocation.HomeCpu], a.Run(SparseCoLocation.CurrentThreadCpus));
    }

    private static int[] CpusOfANewThread()
    {
        int[] cpus = [];
        var t = new Thread(() => cpus = SparseCoLocation.CurrentThreadCpus());
        t.Start();
        t.Join();
        return cpus;
    }

    [Fact]
    public void TheEnvironmentSwitch_TurnsItOff()
    {
        string? before = Environment.GetEnvironmentVariable(SparseCoLocation.DisableVariable);
        try
        {
            Environment.SetEnvironmentVariable(SparseCoLocation.DisableVariable, "1");
            var off = new SparseCoLocation();
            Assert.False(off.Enabled);
            Assert.Equal(-1, off.HomeCpu);
        }
        finally
        {
            Environment.SetEnvironmentVariable(SparseCoLocation.DisableVariable, before);
        }
    }

    [Fact]
    public void ManySmallBatchesInOneWindow_CountAsBusy()
    {
        using var a = new StepThread();
        var colocation = a.Run(() => new SparseCoLocation());
        if (!colocation.Enabled)
        {
            return;
        }
        SparseCoLocation.Member member = a.Run(colocation.Join);
        // One packet per batch, back to back: far more than BusyPackets in WindowMicroseconds.
        a.Run(() =>
        {
            for (int i = 0; i < 20 * SparseCoLocation.BusyPackets; i++)
            {
                member.OnBatch(1);
            }
        });
        Assert.True(colocation.Spread);
        Assert.True(a.Run(SparseCoLocation.CurrentThreadCpus).Length >= 2);
    }

    [Fact]
    public void ThreadAllowedOneCpu_IsNeverSteered()
    {
        using var a = new StepThread();
        int[] all = a.Run(SparseCoLocation.CurrentThreadCpus);
        int last = all[^1];
        a.Run(() => SetCurrentThreadCpu(last));
        var colocation = a.Run(() => new SparseCoLocation());
        Assert.False(colocation.Enabled);
        Assert.Equal(-1, colocation.HomeCpu);
        SparseCoLocation.Member member = a.Run(colocation.Join);
        a.Run(() => member.OnBatch(SparseCoLocation.BusyBatch));
        a.Run(() => member.OnBatch(1));
        Assert.Equal([last], a.Run(SparseCoLocation.CurrentThreadCpus));
        Assert.Equal(-1, member.AppliedGeneration);
    }

    private static unsafe void SetCurrentThreadCpu(int cpu)
    {
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        mask[cpu / 64] = 1UL << (cpu % 64);
        Assert.Equal(0, SchedSetAffinity(0, 16 * sizeof(ulong), mask));
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SchedSetAffinity(int pid, nuint size, ulong* mask);

    /// <summary>A dedicated thread that runs the test's steps one at a time (affinity belongs to a thread).</summary>
    private sealed class StepThread : IDisposable
    {
        private readonly BlockingCollection<Action> _steps = [];
        private readonly Thread _thread;

        public StepThread()
        {
            _thread = new Thread(() =>
            {
                foreach (Action step in _steps.GetConsumingEnumerable())
                {
                    step();
                }
            }) { IsBackground = true, Name = "StepThread" };
            _thread.Start();
        }

        public T Run<T>(Func<T> step)
        {
            T result = default!;
            ExceptionHolder failure = new();
            using var done = new ManualResetEventSlim();
            _steps.Add(() =>
            {
                try
                {
                    result = step();
                }
                catch (Exception ex)
                {
                    failure.Error = ex;
                }
                finally
                {
                    done.Set();
                }
            });
            Assert.True(done.Wait(10_000), "step timed out");
            if (failure.Error is not null)
            {
                throw new InvalidOperationException("step failed", failure.Error);
            }
            return result;
        }

        public void Run(Action step) => Run(() =>
        {
            step();
            return 0;
        });

        public void Dispose()
        {
            _steps.CompleteAdding();
            _thread.Join(5000);
            _steps.Dispose();
        }

        private sealed class ExceptionHolder
        {
            public Exception? Error { get; set; }
        }
    }
}
