using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// What the client makes ahead on a side thread (its first TLS engine, its TUN device; issue 7): handed over once,
/// errors rethrown to the taker, made inline otherwise, released when nobody took it.
/// </summary>
public sealed class MadeAheadTests
{
    [Fact]
    public void Prepared_IsMadeOnAnotherThread_AndHandedOverOnce_ThenTakeMakesInline()
    {
        var maker = new Maker();
        using var ahead = new MadeAhead<Thing>(maker.Prepared, maker.Inline);
        ahead.BeginPrepare();
        ahead.BeginPrepare(); // a second call changes nothing
        using Thing first = ahead.Take();
        Assert.Equal("prepared", first.How);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first.MadeOnThread);
        Assert.Equal(1, maker.PreparedCount);

        using Thing second = ahead.Take();
        Assert.Equal("inline", second.How);
        Assert.Equal(Environment.CurrentManagedThreadId, second.MadeOnThread);
    }

    [Fact]
    public void NotBegun_TakeMakesInline_AndALaterBeginDoesNothing()
    {
        var maker = new Maker();
        using var ahead = new MadeAhead<Thing>(maker.Prepared, maker.Inline);
        using Thing thing = ahead.Take();
        Assert.Equal("inline", thing.How);
        ahead.BeginPrepare();
        ahead.Dispose();
        Assert.Equal(0, maker.PreparedCount);
    }

    [Fact]
    public async Task WaitUntilMade_ReturnsOnceTheObjectIsMade_WithoutTakingIt()
    {
        using var release = new ManualResetEventSlim(false);
        using var ahead = new MadeAhead<Thing>(() =>
        {
            release.Wait(TimeSpan.FromSeconds(10));
            return new Thing("prepared");
        }, () => new Thing("inline"));
        ahead.WaitUntilMade(); // nothing begun: returns at once
        ahead.BeginPrepare();
        Task waiting = Task.Run(ahead.WaitUntilMade);
        Assert.NotSame(waiting, await Task.WhenAny(waiting, Task.Delay(200)));
        release.Set();
        Assert.Same(waiting, await Task.WhenAny(waiting, Task.Delay(TimeSpan.FromSeconds(10))));
        ahead.WaitUntilMade(); // made: returns at once, again
        using Thing taken = ahead.Take();
        Assert.Equal("prepared", taken.How); // still there for the taker
    }

    [Fact]
    public void WaitUntilMade_ReturnsWhenMakingFailed_AndTheTakerGetsTheError()
    {
        using var ahead = new MadeAhead<Thing>(() => throw new IOException("cannot open /dev/net/tun"), () => new Thing("inline"));
        ahead.BeginPrepare();
        ahead.WaitUntilMade();
        Assert.Equal("cannot open /dev/net/tun", Assert.Throws<IOException>(() => ahead.Take()).Message);
    }

    [Fact]
    public void ErrorWhilePreparing_IsRethrownToTheTaker()
    {
        using var ahead = new MadeAhead<Thing>(() => throw new IOException("cannot open /dev/net/tun"), () => new Thing("inline"));
        ahead.BeginPrepare();
        IOException error = Assert.Throws<IOException>(() => ahead.Take());
        Assert.Equal("cannot open /dev/net/tun", error.Message);
    }

    [Fact]
    public void PreparedButNeverTaken_IsDisposedWithIt()
    {
        var maker = new Maker();
        var ahead = new MadeAhead<Thing>(maker.Prepared, maker.Inline);
        ahead.BeginPrepare();
        ahead.Dispose();
        Thing made = Assert.Single(maker.Made);
        Assert.True(made.Disposed);
        Assert.Equal("inline", ahead.Take().How); // after Dispose nothing prepared is handed out
    }

    private sealed class Thing(string how) : IDisposable
    {
        public string How { get; } = how;

        public int MadeOnThread { get; } = Environment.CurrentManagedThreadId;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class Maker
    {
        private int _prepared;

        public List<Thing> Made { get; } = [];

        public int PreparedCount => Volatile.Read(ref _prepared);

        public Thing Prepared()
        {
            Interlocked.Increment(ref _prepared);
            var thing = new Thing("prepared");
            lock (Made)
            {
                Made.Add(thing);
            }
            return thing;
        }

        public Thing Inline() => new("inline");
    }
}
