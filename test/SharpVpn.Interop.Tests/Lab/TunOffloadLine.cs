using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>
/// Checks the "TUN offload" line our client and server log on SIGUSR2 after bulk TCP both ways: the TUN was opened
/// with offload, the kernel handed over TSO super-segments, and decrypted segments were written back merged.
/// </summary>
internal static partial class TunOffloadLine
{
    /// <summary>
    /// Sends SIGUSR2 to <paramref name="process"/> (ours, in <paramref name="host"/>), waits for the line it logs and
    /// asserts bulk traffic used the offloads; returns the line.
    /// </summary>
    public static async Task<string> SignalAndAssertAsync(ScenarioLab lab, LabHost host, LabProcess process, TimeSpan timeout)
    {
        int mark = process.LineCount;
        (await lab.RunAsync(host, "kill", "-USR2", process.Pid.ToString(CultureInfo.InvariantCulture))).EnsureSuccess();
        string line = await process.WaitForOutputAsync("TUN offload:", timeout, mark);
        AssertBulkTrafficUsedOffloads(line);
        return line;
    }

    public static void AssertBulkTrafficUsedOffloads(string line)
    {
        Match m = Pattern().Match(line);
        Assert.True(m.Success, $"TUN offload not on: {line}");
        Assert.True(long.Parse(m.Groups["read"].Value, CultureInfo.InvariantCulture) > 0, $"no TSO super-segment was read: {line}");
        long merged = long.Parse(m.Groups["merged"].Value, CultureInfo.InvariantCulture);
        long packets = long.Parse(m.Groups["packets"].Value, CultureInfo.InvariantCulture);
        Assert.True(merged > 0 && packets > 2 * merged, $"decrypted TCP segments were not merged into super-segments: {line}");
    }

    [GeneratedRegex(@"TUN offload: on, TSO super-segments read (?<read>\d+), merged super-segments written (?<merged>\d+) \(of (?<packets>\d+) packets")]
    private static partial Regex Pattern();
}
