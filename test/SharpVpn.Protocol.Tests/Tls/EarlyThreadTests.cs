using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>EarlyThread's lingering threads: work given after a thread's own is done runs on that thread, without making another.</summary>
public class EarlyThreadTests
{
    private static int RunAndGetThreadId(EarlyThread.Workers workers)
    {
        int id = 0;
        using var done = new ManualResetEventSlim();
        Assert.True(workers.TryStart(() =>
        {
            id = Environment.CurrentManagedThreadId;
            done.Set();
        }));
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the work never ran");
        return id;
    }

    [Fact]
    public void WorkGivenAfterTheFirstEnded_RunsOnTheLingeringThread()
    {
        var workers = new EarlyThread.Workers(TimeSpan.FromSeconds(30));
        int first = RunAndGetThreadId(workers);
        Thread.Sleep(100); // the thread is back waiting
        int second = RunAndGetThreadId(workers);
        int third = RunAndGetThreadId(workers);
        Assert.Equal(first, second);
        Assert.Equal(first, third);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first);
        Assert.Equal(1, workers.ThreadsStarted);
    }

    [Fact]
    public void AfterTheLingerTime_TheThreadEnds_AndNewWorkGetsANewThread()
    {
        var workers = new EarlyThread.Workers(TimeSpan.FromMilliseconds(50));
        _ = RunAndGetThreadId(workers);
        Thread.Sleep(500);
        _ = RunAndGetThreadId(workers);
        Assert.Equal(2, workers.ThreadsStarted); // (managed thread ids are reused once a thread ends)
    }

    [Fact]
    public void ManyAtOnce_AllRun_OnAtMostAsManyThreads()
    {
        var workers = new EarlyThread.Workers(TimeSpan.FromMilliseconds(200));
        const int Rounds = 20;
        const int PerRound = 8;
        var threads = new HashSet<int>();
        int ran = 0;
        for (int round = 0; round < Rounds; round++)
        {
            using var allDone = new CountdownEvent(PerRound);
            using var release = new ManualResetEventSlim();
            for (int i = 0; i < PerRound; i++)
            {
                Assert.True(workers.TryStart(() =>
                {
                    lock (threads)
                    {
                        threads.Add(Environment.CurrentManagedThreadId);
                    }
                    Interlocked.Increment(ref ran);
                    release.Wait(TimeSpan.FromSeconds(10)); // all of a round run at once
                    allDone.Signal();
                }));
            }
            release.Set();
            Assert.True(allDone.Wait(TimeSpan.FromSeconds(10)), $"round {round}: not every work item ran");
            // Some rounds start before the last round's threads are back waiting, some after the linger ran out.
            Thread.Sleep(round % 3 == 0 ? 300 : round % 3 == 1 ? 20 : 0);
        }
        Assert.Equal(Rounds * PerRound, ran);
        Assert.True(workers.ThreadsStarted < Rounds * PerRound, $"{workers.ThreadsStarted} threads for {ran} work items: none was reused");
        Assert.True(threads.Count >= PerRound, "a round's work did not run at once");
    }

    [Fact]
    public void AStartedThread_EndsUpWithTheCallersCpus()
    {
        // It starts on the caller's CPUs minus the caller's own; left there, it could never run on that CPU.
        byte[]? callers = ThreadPlacement.CurrentCpus();
        Assert.NotNull(callers);
        byte[]? threads = null;
        using var done = new ManualResetEventSlim();
        Assert.True(new EarlyThread.Workers(TimeSpan.FromMilliseconds(50)).TryStart(() =>
        {
            threads = ThreadPlacement.CurrentCpus();
            done.Set();
        }));
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "the work never ran");
        Assert.Equal(callers, threads);
    }

    [Fact]
    public void StartCpus_AreTheCallersWithoutTheOneItRunsOn()
    {
        byte[] callers = new byte[ThreadPlacement.CpuSetBytes];
        byte[] elsewhere = new byte[ThreadPlacement.CpuSetBytes];
        bool placed = ThreadPlacement.TryGetStartCpus(callers, elsewhere);
        Assert.Equal(ThreadPlacement.CurrentCpus(), callers);
        int cpusAllowed = callers.Sum(b => System.Numerics.BitOperations.PopCount(b));
        Assert.Equal(cpusAllowed > 1, placed);
        if (placed)
        {
            Assert.Equal(cpusAllowed - 1, elsewhere.Sum(b => System.Numerics.BitOperations.PopCount(b)));
            for (int i = 0; i < callers.Length; i++)
            {
                Assert.Equal(0, elsewhere[i] & ~callers[i]); // only CPUs the caller may use
            }
        }
    }

    [Theory]
    [InlineData(new byte[] { 0b0000_0011 }, 0, true, new byte[] { 0b0000_0010 })]
    [InlineData(new byte[] { 0b0000_0011 }, 1, true, new byte[] { 0b0000_0001 })]
    [InlineData(new byte[] { 0b0000_0000, 0b1000_0001 }, 8, true, new byte[] { 0b0000_0000, 0b1000_0000 })]
    [InlineData(new byte[] { 0b0000_0100 }, 2, false, new byte[] { 0b0000_0000 })] // one CPU: nowhere else to start
    [InlineData(new byte[] { 0b0000_0011 }, 5, true, new byte[] { 0b0000_0011 })] // not in the set: all of it
    [InlineData(new byte[] { 0b0000_0011 }, -1, false, new byte[] { 0b0000_0000 })] // sched_getcpu failed
    [InlineData(new byte[] { 0b0000_0011 }, 8, false, new byte[] { 0b0000_0000 })] // beyond the set
    public void Exclude_RemovesOnlyThatCpu(byte[] cpus, int cpu, bool anyLeft, byte[] expected)
    {
        byte[] result = new byte[cpus.Length];
        Assert.Equal(anyLeft, ThreadPlacement.Exclude(cpus, cpu, result));
        if (anyLeft)
        {
            Assert.Equal(expected, result);
        }
    }
}
