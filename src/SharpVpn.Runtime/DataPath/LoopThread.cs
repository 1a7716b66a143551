using SharpVpn.Tls;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// The thread of a data path loop (<see cref="LinkReceiveLoop"/>, <see cref="TunReadLoop"/>), started as a plain
/// pthread (<see cref="EarlyThread"/>): <see cref="Thread.Start()"/> spins in sched_yield until the new thread runs,
/// and the client starts its receive loop right after sending its first packet, where that wait (0.5-1 ms on a
/// busy 2-core machine) delays the ClientHello (issue 7, handshake time). Falls back to a managed Thread where
/// no pthread can be made. <see cref="Join"/> waits for the loop to return.
/// </summary>
internal sealed class LoopThread(string name, Action loop)
{
    private readonly ManualResetEventSlim _ended = new();
    private int _started;

    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
        {
            throw new InvalidOperationException($"{name} was already started.");
        }
        if (!EarlyThread.TryStart(RunToEnd, name))
        {
            new Thread(RunToEnd) { IsBackground = true, Name = name }.Start();
        }
    }

    /// <summary>True once the loop has returned (at once if it never started).</summary>
    public bool Join(TimeSpan timeout) => Volatile.Read(ref _started) == 0 || _ended.Wait(timeout);

    private void RunToEnd()
    {
        try
        {
            loop();
        }
        finally
        {
            _ended.Set();
        }
    }
}
