using SharpVpn.Runtime.Shared;

namespace SharpVpn.Runtime.Tests;

/// <summary>inactive / session-timeout / ping-exit as the control loops check them (times in ms, counters in bytes).</summary>
public sealed class SessionLimitsTests
{
    [Fact]
    public void Inactive_EndsAfterNSecondsWithoutTunTraffic_AndTrafficPushesItBack()
    {
        var limits = new SessionLimits(inactiveSeconds: 5, inactiveMinimumBytes: 0, sessionTimeoutSeconds: 0, pingExitSeconds: 0, nowMs: 0, tunBytes: 100);

        Assert.Null(limits.Check(4_000, 100, lastReceivedMs: 4_000));
        Assert.Null(limits.Check(4_500, 101, lastReceivedMs: 4_500)); // one byte is activity
        Assert.Null(limits.Check(9_000, 101, lastReceivedMs: 9_000)); // pings (lastReceived) are not
        Assert.Equal("inactive", limits.Check(9_500, 101, lastReceivedMs: 9_500));
    }

    [Fact]
    public void InactiveWithBytes_LessTrafficThanBytesCountsAsInactive()
    {
        var limits = new SessionLimits(5, inactiveMinimumBytes: 1000, 0, 0, nowMs: 0, tunBytes: 0);

        Assert.Null(limits.Check(1_000, 600, 1_000));
        Assert.Null(limits.Check(2_000, 1_200, 2_000)); // 1200 >= 1000 since the start: active at 2 s
        Assert.Null(limits.Check(6_000, 1_900, 6_000)); // 700 more: not enough, but only 4 s passed
        Assert.Equal("inactive", limits.Check(7_000, 1_900, 7_000));
    }

    [Fact]
    public void SessionTimeout_EndsAtItsTimeWhateverTheTraffic()
    {
        var limits = new SessionLimits(0, 0, sessionTimeoutSeconds: 3, 0, nowMs: 10_000, tunBytes: 0);

        Assert.False(limits.IsNone);
        Assert.Equal(13_000, limits.NextCheckMs(10_000));
        Assert.Null(limits.Check(12_999, 5_000, 12_999));
        Assert.Equal("session-timeout", limits.Check(13_000, 9_000, 13_000));
    }

    [Fact]
    public void PingExit_EndsAfterNSecondsWithoutAnyPacketFromThePeer()
    {
        var limits = new SessionLimits(0, 0, 0, pingExitSeconds: 4, nowMs: 1_000, tunBytes: 0);

        Assert.Null(limits.Check(4_900, 0, lastReceivedMs: 0)); // counted from the start before any packet
        Assert.Null(limits.Check(8_000, 0, lastReceivedMs: 4_500));
        Assert.Equal("ping-exit", limits.Check(8_500, 50, lastReceivedMs: 4_500));
    }

    [Fact]
    public void NoLimits_NothingToCheck()
    {
        var limits = new SessionLimits(0, 0, 0, 0, 0, 0);

        Assert.True(limits.IsNone);
        Assert.Equal(long.MaxValue, limits.NextCheckMs(5));
        Assert.Null(limits.Check(long.MaxValue - 1, 0, 0));
    }
}
