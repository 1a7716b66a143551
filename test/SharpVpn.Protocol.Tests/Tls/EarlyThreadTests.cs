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
}
