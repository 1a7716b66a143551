namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// Reads a server's status file (<c>status FILE 1</c>) the way a test can trust. Both servers rewrite it in place every
/// second (openvpn: seek to 0, write line by line, truncate; ours: truncate, write), so a read can land mid-rewrite and
/// see a prefix, or the new text followed by the old text's tail, which also ends in "END". A read counts only when
/// it ends in "END" and a second read a moment later gives the same text.
/// </summary>
internal static class StatusFileReads
{
    private static readonly TimeSpan SettleDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Waits (20 s unless told) for a whole, settled status file for which <paramref name="done"/> holds, and returns
    /// its text; fails the test with the last text read.
    /// </summary>
    public static async Task<string> WaitForAsync(string path, Func<string, bool> done, TimeSpan? timeout = null)
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        string last = "(missing)";
        while (DateTime.UtcNow < deadline)
        {
            string? text = await ReadSettledAsync(path);
            if (text is not null)
            {
                last = text;
                if (done(text))
                {
                    return text;
                }
            }

            await Task.Delay(200);
        }

        Assert.Fail($"the status file {path} never settled on what the test waits for within the timeout; last read:\n{last}");
        return last;
    }

    /// <summary>The status file's lines once it lists a line starting with <paramref name="prefix"/>.</summary>
    public static async Task<string[]> WaitForLineAsync(string path, string prefix, TimeSpan? timeout = null)
    {
        string text = await WaitForAsync(path, t => Lines(t).Any(l => l.StartsWith(prefix, StringComparison.Ordinal)), timeout);
        return Lines(text);
    }

    public static string[] Lines(string text) => text.Split('\n');

    /// <summary>The file's text if it is whole and the same a moment later; null while missing or being rewritten.</summary>
    public static async Task<string?> ReadSettledAsync(string path)
    {
        string? text = ReadWhole(path);
        if (text is null)
        {
            return null;
        }

        await Task.Delay(SettleDelay);
        return ReadWhole(path) == text ? text : null;
    }

    // A whole write ends with the END line; anything else is a read during a rewrite (or no file yet).
    private static string? ReadWhole(string path)
    {
        try
        {
            string text = File.ReadAllText(path);
            return text.EndsWith("END\n", StringComparison.Ordinal) ? text : null;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }
}
