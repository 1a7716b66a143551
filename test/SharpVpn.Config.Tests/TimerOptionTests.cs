using System.Globalization;

namespace SharpVpn.Config.Tests;

/// <summary><c>inactive</c> and <c>session-timeout</c>: read as the real openvpn reads them, in configs and pushed.</summary>
public sealed class TimerOptionTests
{
    [Theory]
    [InlineData("inactive 600", 600, 0L, 0)]
    [InlineData("inactive 300 1000000\nsession-timeout 28800", 300, 1000000L, 28800)]
    [InlineData("inactive 60 -5", 60, 0L, 0)]
    public void ClientConfig_AgreesWithOpenVpn(string lines, int inactive, long bytes, int session)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", "client\ndev tun\nremote 10.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\n" + lines + "\n");

        ClientConfig ours = ConfigParser.ParseClient(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.Equal((inactive, bytes, session), (ours.Keepalive.InactiveSeconds, ours.Keepalive.InactiveMinimumBytes, ours.Keepalive.SessionTimeoutSeconds));
        Assert.Equal(theirs.One("inactivity_timeout"), ours.Keepalive.InactiveSeconds.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("inactivity_minimum_bytes"), ours.Keepalive.InactiveMinimumBytes.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("session_timeout"), ours.Keepalive.SessionTimeoutSeconds.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void ServerConfig_KeepsThem()
    {
        ServerConfig s = ServerSnippet.Parse("inactive 120 5000\nsession-timeout 3600");

        Assert.Equal((120, 5000L, 3600), (s.Keepalive.InactiveSeconds, s.Keepalive.InactiveMinimumBytes, s.Keepalive.SessionTimeoutSeconds));
    }

    [Fact]
    public void Pushed_AreTaken()
    {
        PushReplyOptions p = PushedOptionParser.Parse(["PUSH_REPLY,ping 10,inactive 900 20000,session-timeout 7200"], [], false);

        Assert.Equal((900, 20000L), p.Inactive);
        Assert.Equal(7200, p.SessionTimeoutSeconds);
    }

    [Fact]
    public void BadValues_NameTheLine()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigParser.ParseClientFromText("client\ndev tun\nremote 10.0.0.1\ninactive soon\n", "c.conf", "/nonexistent"));
        Assert.Equal(4, e.Line);
        Assert.Equal("inactive", e.Option);
    }

    /// <summary>ping-restart and ping-exit are one timer in OpenVPN: the last one given wins.</summary>
    [Theory]
    [InlineData("ping-exit 30\nping-restart 60", 60, 0)]
    [InlineData("ping-restart 60\nping-exit 30", 0, 30)]
    public void PingRestartAndPingExit_TheLastWins_AsInOpenVpn(string lines, int restart, int exit)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", "client\ndev tun\nremote 10.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\n" + lines + "\n");

        ClientConfig ours = ConfigParser.ParseClient(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.Equal((restart, exit), (ours.Keepalive.PingRestartSeconds, ours.Keepalive.PingExitSeconds));
        Assert.Equal(theirs.One("ping_rec_timeout"), Math.Max(restart, exit).ToString(CultureInfo.InvariantCulture));
        Assert.Equal(theirs.One("ping_rec_timeout_action"), exit > 0 ? "1" : "2"); // PING_EXIT = 1, PING_RESTART = 2
    }
}
