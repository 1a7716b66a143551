using SharpVpn.Protocol.TlsWrap;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>Numbered cases for the long-form (id, time) replay window, in the spirit of wg replay_test.go.</summary>
public class ReplayWindowTests
{
    // (id, time, expected accept)
    public static TheoryData<int, (uint Id, uint Time, bool Accept)[]> Cases => new()
    {
        { 1, [(1, 10, true), (1, 10, false)] },                                   // duplicate
        { 2, [(0, 10, false)] },                                                  // id 0 never valid
        { 3, [(5, 10, true), (3, 10, true), (4, 10, true), (3, 10, false)] },     // out of order within window
        { 4, [(100, 10, true), (37, 10, true), (36, 10, false)] },                // 63 behind ok, 64 behind too old
        { 5, [(5, 10, true), (1, 9, false)] },                                    // time went back
        { 6, [(5, 10, true), (1, 11, true), (5, 10, false), (2, 11, true)] },     // newer time resets the window
        { 7, [(1, 10, true), (1000, 10, true), (999, 10, true), (1, 10, false)] },// big jump forgets old ids
        { 8, [(uint.MaxValue, 10, true), (uint.MaxValue - 1, 10, true), (uint.MaxValue, 10, false)] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Case(int number, (uint Id, uint Time, bool Accept)[] steps)
    {
        var w = new ReplayWindow();
        for (int i = 0; i < steps.Length; i++)
        {
            var s = steps[i];
            bool ok = w.Check(s.Id, s.Time);
            Assert.True(ok == s.Accept, $"case {number} step {i}: id {s.Id} time {s.Time}");
            if (ok)
            {
                w.Add(s.Id, s.Time);
            }
        }
    }

    [Fact]
    public void UnseenIds_ExpireAfterFifteenSeconds_AndANewTimeStartsAfresh()
    {
        var w = new ReplayWindow();
        w.Add(5, 10, nowMs: 1_000);
        Assert.True(w.Check(4, 10, nowMs: 15_000));   // 14 s after id 5: still within the time window
        Assert.True(w.Check(4, 10, nowMs: 17_000));   // 16 s, but the window is reaped every 5 s (as OpenVPN's)
        Assert.False(w.Check(4, 10, nowMs: 20_000));  // reaped: older than 15 s
        Assert.True(w.Check(6, 10, nowMs: 20_000));   // newer ids are unaffected
        w.Add(1, 11, nowMs: 20_000);                  // the peer's time moved on: a new window
        Assert.True(w.Check(2, 11, nowMs: 20_500));
        Assert.False(w.Check(1, 11, nowMs: 20_500));
    }
}
