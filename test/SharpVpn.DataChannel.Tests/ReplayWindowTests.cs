namespace SharpVpn.DataChannel.Tests;

/// <summary>
/// Numbered cases in the style of the WireGuard kernel selftest (drivers/net/wireguard/selftest/
/// counter.c: T(n, expected) against one evolving window), adapted to OpenVPN's rules: ids start
/// at 1, 0 is invalid, the window holds the n ids up to the highest (packet_id.c).
/// </summary>
public class ReplayWindowTests
{
    private const int W = ReplayWindow.DefaultWindowPackets;

    [Fact]
    public void NumberedSequence_DefaultWindow()
    {
        var w = new ReplayWindow();
        int step = 0;
        void T(uint id, bool expected)
        {
            step++;
            Assert.True(expected == w.CheckAndUpdate(id, 0), $"step {step}: id {id} expected {expected}");
        }

        T(0, false);              // 1: id 0 is never valid
        T(1, true);               // 2
        T(1, false);              // 3: replay
        T(9, true);               // 4: forward jump
        T(8, true);               // 5: back inside the window
        T(7, true);               // 6
        T(7, false);              // 7
        T(W, true);               // 8
        T(W - 1, true);           // 9
        T(W - 1, false);          // 10
        T(W - 2, true);           // 11
        T(2, true);               // 12: highest - 2 = W - 2 < W, still inside
        T(2, false);              // 13
        T(W + 16, true);          // 14
        T(3, false);              // 15: W + 13 behind: too old
        T(W + 16, false);         // 16
        T(W * 4, true);           // 17: jump by more than the window
        T(W * 4 - (W - 1), true); // 18: oldest id still inside
        T(10, false);             // 19
        T(W * 4 - W, false);      // 20: exactly W behind: outside
        T(W * 4 - (W - 1), false);// 21
        T(W * 4 + 1, true);       // 22
        T(W * 4 - (W - 2), true); // 23: after sliding by one, W - 1 behind
        T(W * 4 - (W - 3), true); // 24
        T(W * 4, false);          // 25
        T(uint.MaxValue - 1, true); // 26
        T(uint.MaxValue, true);   // 27
        T(uint.MaxValue - 1, false); // 28
        T(uint.MaxValue, false);  // 29
        T(0, false);              // 30: no wrap to 0
        T(uint.MaxValue - W, false); // 31
        T(uint.MaxValue - (W - 1), true); // 32
    }

    [Fact]
    public void InOrder_ThenAllReplays()
    {
        var w = new ReplayWindow();
        for (uint i = 1; i <= W * 3; i++)
        {
            Assert.True(w.CheckAndUpdate(i, 0), $"id {i}");
        }

        for (uint i = 1; i <= W * 3; i++)
        {
            Assert.False(w.CheckAndUpdate(i, 0), $"replay {i}");
        }
    }

    [Fact]
    public void ReverseWithinWindow()
    {
        var w = new ReplayWindow();
        Assert.True(w.CheckAndUpdate(W, 0));
        for (uint i = W - 1; i >= 1; i--)
        {
            Assert.True(w.CheckAndUpdate(i, 0), $"id {i}");
        }

        for (uint i = 1; i <= W; i++)
        {
            Assert.False(w.CheckAndUpdate(i, 0));
        }
    }

    [Fact]
    public void ReverseBeyondWindow_OnlyLastWIdsAccepted()
    {
        var w = new ReplayWindow();
        Assert.True(w.CheckAndUpdate(W * 2, 0));
        for (uint i = W * 2 - 1; i >= 1; i--)
        {
            Assert.Equal(W * 2 - i < W, w.CheckAndUpdate(i, 0));
        }
    }

    [Fact]
    public void Check_DoesNotUpdate()
    {
        var w = new ReplayWindow();
        Assert.True(w.Check(5, 0));
        Assert.True(w.Check(5, 0));
        w.Update(5, 0);
        Assert.False(w.Check(5, 0));
        Assert.Equal(5u, w.HighestPacketId);
    }

    [Fact]
    public void TimeBacktrack_ExpiresLateOutOfOrderPackets()
    {
        var w = new ReplayWindow(64, 15);
        Assert.True(w.CheckAndUpdate(10, 0));
        Assert.True(w.CheckAndUpdate(5, 10_000));   // 10 s after a higher id: fine
        Assert.False(w.CheckAndUpdate(6, 16_000));  // id 10 arrived 16 s ago: everything older expired
        Assert.True(w.CheckAndUpdate(11, 16_000));  // newer ids are unaffected
    }

    [Fact]
    public void TimeBacktrack_YoungerHigherIdKeepsGapOpen()
    {
        var w = new ReplayWindow(64, 15);
        Assert.True(w.CheckAndUpdate(1, 0));
        Assert.True(w.CheckAndUpdate(3, 14_000));
        Assert.True(w.CheckAndUpdate(2, 16_000));   // scan stops expiring only from id 1 (old) downwards
        Assert.False(w.CheckAndUpdate(1, 16_000));
    }

    [Fact]
    public void TimeBacktrack_ReapRunsEveryFiveSeconds()
    {
        // OpenVPN reaps at most every SEQ_REAP_INTERVAL (5 s); expiry is checked at reap time.
        var w = new ReplayWindow(64, 1);
        Assert.True(w.CheckAndUpdate(10, 0));       // reap at t=0
        Assert.True(w.CheckAndUpdate(4, 3_000));    // 3 s later, but no reap yet
        Assert.False(w.CheckAndUpdate(5, 5_000));   // reap at 5 s: id 10 older than 1 s
    }

    [Fact]
    public void TimeBacktrackZero_NeverExpires()
    {
        var w = new ReplayWindow(64, 0);
        Assert.True(w.CheckAndUpdate(10, 0));
        Assert.True(w.CheckAndUpdate(5, 10_000_000));
    }

    [Fact]
    public void WindowZero_IsStrictSequence()
    {
        var w = new ReplayWindow(0, 15);
        Assert.True(w.CheckAndUpdate(7, 0));    // any first id
        Assert.True(w.CheckAndUpdate(8, 0));
        Assert.False(w.CheckAndUpdate(10, 0));
        Assert.False(w.CheckAndUpdate(8, 0));
        Assert.True(w.CheckAndUpdate(9, 0));
    }

    [Fact]
    public void Limits_AreOpenVpns()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(65537, 15));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(64, 601));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(-1, 15));
        _ = new ReplayWindow(65536, 600);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 15)]
    [InlineData(5, 1)]
    [InlineData(64, 15)]
    [InlineData(64, 0)]
    [InlineData(100, 3)]
    [InlineData(1000, 15)]
    public void Randomized_MatchesNaiveModel(int window, int seconds)
    {
        var rng = new Random(window * 31 + seconds);
        var fast = new ReplayWindow(window, seconds);
        var model = new NaiveReplayModel(window, seconds);
        long now = 0;
        uint center = 1;
        for (int op = 0; op < 200_000; op++)
        {
            now += rng.Next(0, 4) == 0 ? rng.Next(0, 3000) : 0;
            uint id;
            int kind = rng.Next(100);
            if (kind < 50)
            {
                id = center + (uint)rng.Next(0, 3);
            }
            else if (kind < 90)
            {
                id = (uint)Math.Max(0, (long)center - rng.Next(0, window * 2 + 2));
            }
            else if (kind < 98)
            {
                id = center + (uint)rng.Next(0, window * 3 + 2);
            }
            else
            {
                id = (uint)rng.Next(0, 4);
            }

            bool expected = model.Check(id, now);
            bool actual = fast.CheckAndUpdate(id, now);
            Assert.True(expected == actual, $"op {op}: id {id} now {now} highest {model.Highest}: model {expected}, window {actual}");
            if (expected)
            {
                model.Add(id, now);
                center = Math.Max(center, id);
            }
        }

        // The run must actually exercise the time-based expiry when it is on.
        Assert.True(seconds == 0 || window < 5 || model.ExpiredRejects > 0, "no expiry exercised");
    }

    /// <summary>Straightforward model of packet_id.c semantics keyed by id (no ring buffer).</summary>
    private sealed class NaiveReplayModel(int window, int seconds)
    {
        private readonly Dictionary<uint, long> _arrival = [];
        private readonly HashSet<uint> _expired = [];
        private long _lastReap = long.MinValue / 2;

        public uint Highest { get; private set; }

        public int ExpiredRejects { get; private set; }

        private uint Low => Highest >= (uint)window ? Highest - (uint)window + 1 : 1;

        public bool Check(uint id, long now)
        {
            if (seconds > 0 && now - _lastReap >= 5000)
            {
                bool expire = false;
                for (long i = Highest; i >= Low && i >= 1; i--)
                {
                    uint u = (uint)i;
                    if (_expired.Contains(u))
                    {
                        break;
                    }

                    if (!expire && _arrival.TryGetValue(u, out long t) && t + seconds * 1000L < now)
                    {
                        expire = true;
                    }

                    if (expire)
                    {
                        _expired.Add(u);
                    }
                }

                _lastReap = now;
            }

            if (id == 0)
            {
                return false;
            }

            if (id > Highest)
            {
                return true;
            }

            if (id < Low)
            {
                return false;
            }

            if (!_arrival.ContainsKey(id) && _expired.Contains(id))
            {
                ExpiredRejects++;
                return false;
            }

            return !_arrival.ContainsKey(id);
        }

        public void Add(uint id, long now)
        {
            _arrival[id] = now;
            Highest = Math.Max(Highest, id);
        }
    }
}
