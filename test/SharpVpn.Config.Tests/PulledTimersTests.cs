namespace SharpVpn.Config.Tests;

/// <summary>
/// <see cref="KeepaliveSettings.WithPulled"/>: the timers a client runs after the push (OpenVPN takes pushed OPT_P_TIMER
/// options in place of the config's; ping-restart and ping-exit are one timer, ping_rec_timeout with its action).
/// </summary>
public sealed class PulledTimersTests
{
    private static readonly KeepaliveSettings Config = new()
    {
        PingSeconds = 10,
        PingRestartSeconds = 120,
        InactiveSeconds = 600,
        InactiveMinimumBytes = 1000,
        SessionTimeoutSeconds = 28800,
        PingTimerRemote = true,
    };

    [Fact]
    public void NothingPushed_KeepsTheConfigs()
    {
        Assert.Equal(Config, Config.WithPulled(PushedOptionParser.Parse("PUSH_REPLY,route 10.1.0.0 255.255.0.0")));
    }

    [Fact]
    public void PushedTimers_TakeTheConfigsPlace()
    {
        KeepaliveSettings t = Config.WithPulled(PushedOptionParser.Parse("PUSH_REPLY,ping 5,ping-restart 30,inactive 900 20000,session-timeout 7200"));

        Assert.Equal((5, 30, 0), (t.PingSeconds, t.PingRestartSeconds, t.PingExitSeconds));
        Assert.Equal((900, 20000L, 7200), (t.InactiveSeconds, t.InactiveMinimumBytes, t.SessionTimeoutSeconds));
        Assert.True(t.PingTimerRemote);
    }

    [Theory]
    // config ping-restart 120: a pushed ping-exit takes the one timer, the session must not restart.
    [InlineData(120, 0, "ping-exit 30", 0, 30)]
    [InlineData(120, 0, "ping-restart 60,ping-exit 30", 0, 30)]
    // config ping-exit 30: a pushed ping-restart takes the one timer, the client must not exit.
    [InlineData(0, 30, "ping-restart 60", 60, 0)]
    [InlineData(0, 30, "ping-exit 20,ping-restart 60", 60, 0)]
    [InlineData(0, 30, "ping 5", 0, 30)]
    public void PingRestartAndPingExit_OneTimer_APushedOneReplacesTheConfigsOfBothKinds(
        int configRestart, int configExit, string pushed, int restart, int exit)
    {
        KeepaliveSettings config = new() { PingRestartSeconds = configRestart, PingExitSeconds = configExit };

        KeepaliveSettings t = config.WithPulled(PushedOptionParser.Parse("PUSH_REPLY," + pushed));

        Assert.Equal((restart, exit), (t.PingRestartSeconds, t.PingExitSeconds));
    }
}
