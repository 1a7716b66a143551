using System.Text;
using System.Text.RegularExpressions;
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
}
