namespace SharpVpn.Runtime.DataPath;

/// <summary>The runtime's clock for the sans-IO core and the data path: monotonic milliseconds (never jumps with wall time).</summary>
public static class MonotonicClock
{
    public static long NowMs => Environment.TickCount64;
}
