namespace SharpVpn.Runtime.Server;

/// <summary>
/// A token bucket: at most <c>count</c> events per <c>seconds</c>, refilled continuously (OpenVPN's
/// <c>connect-freq</c> / <c>connect-freq-initial</c>, mstats/frequency_limit). Thread-safe.
/// </summary>
internal sealed class ConnectRateLimiter(int count, int seconds)
{
    private readonly Lock _lock = new();
    private readonly double _capacity = Math.Max(1, count);
    private readonly double _perMs = Math.Max(1, count) / (Math.Max(1, seconds) * 1000.0);
    private double _tokens = Math.Max(1, count);
    private long _lastMs = long.MinValue;

    /// <summary>Takes one token; false when the limit is reached (the event must be refused/dropped).</summary>
    public bool TryAcquire(long nowMs)
    {
        lock (_lock)
        {
            if (_lastMs != long.MinValue)
            {
                _tokens = Math.Min(_capacity, _tokens + ((nowMs - _lastMs) * _perMs));
            }

            _lastMs = nowMs;
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }
}
