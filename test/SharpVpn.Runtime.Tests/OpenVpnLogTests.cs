using System.Text;
using System.Text.RegularExpressions;
using SharpVpn.Config;
using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Tests;

public sealed class OpenVpnLogTests
{
    private const string Stamp = @"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d";

    [Fact]
    public void Lines_HaveOpenVpnTimestamp_AndAreFilteredByVerb()
    {
        var writer = new StringWriter();
        using var log = new OpenVpnLog(verb: 3, writer: writer);
        log.Write(LogLevel.Info, "Initialization Sequence Completed");
        log.Write(LogLevel.Details, "net_iface_up: set tun0 up");
        log.Write(LogLevel.Options, "hidden at verb 3");
        string[] lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Matches(new Regex($"^{Stamp} Initialization Sequence Completed$"), lines[0]);
        Assert.EndsWith(" net_iface_up: set tun0 up", lines[1], StringComparison.Ordinal);
        Assert.True(log.IsEnabled(LogLevel.Details));
        Assert.False(log.IsEnabled(LogLevel.Options));
    }

    [Fact]
    public void Verb0_ShowsOnlyFatal()
    {
        var writer = new StringWriter();
        using var log = new OpenVpnLog(verb: 0, writer: writer);
        log.Info("not shown");
        log.Write(LogLevel.Fatal, "Exiting due to fatal error");
        Assert.DoesNotContain("not shown", writer.ToString(), StringComparison.Ordinal);
        Assert.Contains("Exiting due to fatal error", writer.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Mute_WritesAtMostNConsecutiveOfOneCategory_ThenCountsTheRest()
    {
        var writer = new StringWriter();
        using (var log = new OpenVpnLog(verb: 3, mute: 2, writer: writer))
        {
            for (int i = 0; i < 5; i++)
            {
                log.Write(LogLevel.Info, $"replay {i}", category: 7);
            }

            log.Write(LogLevel.Info, "other", category: 8);
        }

        string text = writer.ToString();
        Assert.Contains("replay 0", text, StringComparison.Ordinal);
        Assert.Contains("replay 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("replay 2", text, StringComparison.Ordinal);
        Assert.Contains("[3 similar message(s) muted]", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("muted", StringComparison.Ordinal) < text.IndexOf("other", StringComparison.Ordinal));
    }

    [Fact]
    public void LogTruncates_LogAppendAppends()
    {
        string path = Path.Combine(Path.GetTempPath(), $"sharpvpn-log-{Guid.NewGuid():N}.log");
        try
        {
            File.WriteAllText(path, "old line\n");
            using (OpenVpnLog log = OpenVpnLog.Open(1, 0, path, append: true))
            {
                log.Info("appended");
            }

            Assert.StartsWith("old line\n", File.ReadAllText(path), StringComparison.Ordinal);
            using (OpenVpnLog log = OpenVpnLog.Open(1, 0, path, append: false))
            {
                log.Info("fresh");
            }

            string text = File.ReadAllText(path);
            Assert.DoesNotContain("old line", text, StringComparison.Ordinal);
            Assert.Contains("fresh", text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void EachLine_ReachesTheWriterInOneWrite()
    {
        var writer = new WriteRecorder();
        using (var log = new OpenVpnLog(verb: 3, writer: writer))
        {
            log.Info("first line");
            log.Info("PUSH: Received control message: 'PUSH_REPLY,route 192.168.1.0 255.255.255.0'");
        }

        Assert.Equal(2, writer.Writes.Count);
        Assert.Matches(new Regex($"^{Stamp} first line\n$"), writer.Writes[0]);
        Assert.EndsWith(" PUSH: Received control message: 'PUSH_REPLY,route 192.168.1.0 255.255.255.0'\n", writer.Writes[1], StringComparison.Ordinal);
    }

    [Fact]
    public void UnwritableLogFile_IsAClearError()
    {
        IOException ex = Assert.Throws<IOException>(() => OpenVpnLog.Open(1, 0, "/nonexistent-dir/x.log", append: false));
        Assert.Contains("/nonexistent-dir/x.log", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A writer that keeps each call's text separately (what a reader of the file could see between writes).</summary>
    private sealed class WriteRecorder : TextWriter
    {
        public List<string> Writes { get; } = [];

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => Writes.Add(value.ToString());

        public override void Write(string? value) => Writes.Add(value ?? string.Empty);

        public override void Write(char[] buffer, int index, int count) => Writes.Add(new string(buffer, index, count));
    }

    [Fact]
    public void SuppressTimestamps_WritesTheMessageAlone()
    {
        var writer = new StringWriter();
        using (var log = new OpenVpnLog(verb: 3, writer: writer, timestamps: LogTimestamps.None))
        {
            log.Write(LogLevel.Details, "net_iface_up: set tun0 up");
        }

        Assert.Equal("net_iface_up: set tun0 up" + writer.NewLine, writer.ToString());
    }

    [Fact]
    public void MachineReadableOutput_StartsWithUnixMicrosecondsAndTheLevel_AsOpenVpn()
    {
        // openvpn --machine-readable-output: "1795969921.197120 1 OpenVPN 2.6.14 ..." (seconds.microseconds, flags in hex).
        var at = DateTimeOffset.FromUnixTimeSeconds(1795969921).AddTicks(1_971_204); // + 0.1971204 s
        var writer = new StringWriter();
        using (var log = new OpenVpnLog(verb: 3, writer: writer, time: new FixedTime(at), timestamps: LogTimestamps.MachineReadable))
        {
            log.Info("Initialization Sequence Completed");
            log.Write(LogLevel.Details, "net_iface_up: set tun0 up");
        }

        string[] lines = writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["1795969921.197120 1 Initialization Sequence Completed", "1795969921.197120 3 net_iface_up: set tun0 up"], lines);
    }

    [Fact]
    public void MachineReadableOutput_PadsTheMicroseconds()
    {
        var writer = new StringWriter();
        using (var log = new OpenVpnLog(verb: 1, writer: writer, time: new FixedTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_005)),
                   timestamps: LogTimestamps.MachineReadable))
        {
            log.Info("x");
        }

        Assert.StartsWith("1700000000.005000 1 x", writer.ToString(), StringComparison.Ordinal);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
