using System.Runtime.ExceptionServices;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Shared;

/// <summary>
/// One object made ahead on a thread of its own, so that its cost overlaps other start-up work instead of adding to
/// the handshake (issue 7): the client's first TLS engine, its TUN device. The first <see cref="Take"/> after
/// <see cref="BeginPrepare"/> hands over what the thread made (waiting for it if need be) and rethrows what making it
/// threw, on the taker's thread, as making it inline would have; any other <see cref="Take"/> makes one inline.
/// What was made but never taken is disposed with this object.
/// </summary>
internal sealed class MadeAhead<T> : IDisposable
    where T : class, IDisposable
{
    private const int Idle = 0;
    private const int Preparing = 1;
    private const int Taken = 2;

    private readonly Func<T> _prepare;
    private readonly Func<T> _makeInline;
    private readonly ManualResetEventSlim _ready = new(false);
    private int _state = Idle;
    private T? _made;
    private ExceptionDispatchInfo? _error;

    /// <param name="prepare">Makes the object on the side thread.</param>
    /// <param name="makeInline">Makes one on the caller's thread when none was prepared (or it was taken already).</param>
    public MadeAhead(Func<T> prepare, Func<T> makeInline)
    {
        _prepare = prepare;
        _makeInline = makeInline;
    }

    /// <summary>Starts making the object on a thread of its own; once, and only if nothing was taken yet.</summary>
    public void BeginPrepare()
    {
        if (Interlocked.CompareExchange(ref _state, Preparing, Idle) != Idle)
        {
            return;
        }
        if (!EarlyThread.TryStart(Prepare))
        {
            // No thread: Take makes it inline, as without preparation.
            Volatile.Write(ref _state, Idle);
        }
    }

    /// <summary>
    /// The prepared object the first time after <see cref="BeginPrepare"/>; otherwise a new one made inline. After
    /// any Take, <see cref="BeginPrepare"/> does nothing (the one that mattered is made).
    /// </summary>
    public T Take()
    {
        if (Interlocked.Exchange(ref _state, Taken) != Preparing)
        {
            return _makeInline();
        }
        _ready.Wait();
        _error?.Throw();
        T made = _made!;
        _made = null;
        return made;
    }

    /// <summary>
    /// Waits, without taking it, until the object being made ahead is made (or making it failed); returns at once when
    /// nothing is being made. Lets a thread that has nothing better to do stay off the CPU meanwhile without holding
    /// a lock the taker may need.
    /// </summary>
    public void WaitUntilMade()
    {
        if (Volatile.Read(ref _state) == Preparing)
        {
            _ready.Wait();
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Taken) == Preparing)
        {
            // Prepared but never taken: wait for the thread, then release what it made.
            _ready.Wait(TimeSpan.FromSeconds(10));
            _made?.Dispose();
            _made = null;
        }
    }

    private void Prepare()
    {
        try
        {
            _made = _prepare();
        }
        catch (Exception ex)
        {
            _error = ExceptionDispatchInfo.Capture(ex);
        }
        finally
        {
            _ready.Set();
        }
    }
}
