using SharpVpn.Runtime.Shared;
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
    private readonly MadeAhead<ITlsEngine> _engine;

    /// <param name="create">Makes a new engine (loads the credentials on first use).</param>
    public FirstTlsEngine(Func<ITlsEngine> create) => _engine = new MadeAhead<ITlsEngine>(() => CreateStarted(create), create);

    /// <summary>Starts making and starting the engine on a thread of its own; once, and only if none was taken yet.</summary>
    public void BeginPrepare() => _engine.BeginPrepare();

    /// <summary>
    /// The prepared engine (already started: its ClientHello is queued) the first time after <see cref="BeginPrepare"/>,
    /// waiting for it if need be; otherwise a new engine from the factory. Rethrows what preparing it threw.
    /// </summary>
    public ITlsEngine Take() => _engine.Take();

    /// <summary>Waits until the engine being prepared is ready (or failed) without taking it; at once if none is.</summary>
    public void WaitPrepared() => _engine.WaitUntilMade();

    public void Dispose() => _engine.Dispose();

    private static ITlsEngine CreateStarted(Func<ITlsEngine> create)
    {
        ITlsEngine engine = create();
        try
        {
            engine.Start();
        }
        catch
        {
            engine.Dispose();
            throw;
        }
        return engine;
    }
}
