using System.Runtime.ExceptionServices;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The client's first TLS engine, made ahead on a thread of its own: loading our certificate, key and CA and
/// building the ClientHello (~2 ms of OpenSSL work) then overlap the main thread's start-up (signals, log, socket,
/// the reset and its round trip) instead of following the server's reset (issue 7, handshake time). The wire does
/// not change: the session still sends the hello only after the server's reset. The first session takes this
/// engine through its engine factory (<see cref="Take"/>); a load error is rethrown there, on the session's thread,
/// where loading inline would have thrown it. Later sessions (renegotiation, reconnects) create theirs inline.
/// </summary>
internal sealed class FirstTlsEngine : IDisposable
{
    private const int Idle = 0;
    private const int Preparing = 1;
    private const int Taken = 2;

    private readonly Func<ITlsEngine> _create;
    private readonly ManualResetEventSlim _ready = new(false);
    private int _state = Idle;
    private ITlsEngine? _engine;
    private ExceptionDispatchInfo? _error;

    /// <param name="create">Makes a new engine (loads the credentials on first use).</param>
    public FirstTlsEngine(Func<ITlsEngine> create) => _create = create;

    /// <summary>Starts making and starting the engine on a thread of its own; once, and only if none was taken yet.</summary>
    public void BeginPrepare()
    {
        if (Interlocked.CompareExchange(ref _state, Preparing, Idle) != Idle)
        {
            return;
        }
        if (!EarlyThread.TryStart(Prepare))
        {
            // No thread: the session makes its engine inline, as without preparation.
            Volatile.Write(ref _state, Idle);
        }
    }

    /// <summary>
    /// The prepared engine (already started: its ClientHello is queued) the first time after <see cref="BeginPrepare"/>,
    /// waiting for it if need be; otherwise a new engine from the factory. Rethrows what preparing it threw.
    /// </summary>
    public ITlsEngine Take()
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Preparing) != Preparing)
        {
            return _create();
        }
        _ready.Wait();
        _error?.Throw();
        ITlsEngine engine = _engine!;
        _engine = null;
        return engine;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _state, Taken) == Preparing)
        {
            // Prepared but never taken (the client stopped first): wait for the thread, then release what it made.
            _ready.Wait(TimeSpan.FromSeconds(10));
            _engine?.Dispose();
            _engine = null;
        }
    }

    private void Prepare()
    {
        try
        {
            ITlsEngine engine = _create();
            try
            {
                engine.Start();
            }
            catch
            {
                engine.Dispose();
                throw;
            }
            _engine = engine;
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
