using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>What <c>ping</c> reported: packets sent and received, loss and average round trip.</summary>
public sealed partial record PingResult(string Target, int Sent, int Received, TimeSpan? AverageRtt, string Output)
{
    public double LossPercent => Sent == 0 ? 100 : 100.0 * (Sent - Received) / Sent;

    /// <summary>Every echo request was answered.</summary>
    public bool AllReceived => Sent > 0 && Received == Sent;

    public bool AnyReceived => Received > 0;

    public override string ToString() =>
        $"ping {Target}: {Received}/{Sent} received, {LossPercent:0.#}% loss, avg {AverageRtt?.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) ?? "-"} ms\n{Output}";

    // iputils: "3 packets transmitted, 3 received, 0% packet loss, time 402ms"
    //          "rtt min/avg/max/mdev = 0.041/0.057/0.080/0.016 ms"
    internal static PingResult Parse(string target, string output)
    {
        Match counts = CountsRegex().Match(output);
        int sent = counts.Success ? int.Parse(counts.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        int received = counts.Success ? int.Parse(counts.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
        Match rtt = RttRegex().Match(output);
        TimeSpan? avg = rtt.Success
            ? TimeSpan.FromMilliseconds(double.Parse(rtt.Groups[1].Value, CultureInfo.InvariantCulture))
            : null;
        return new PingResult(target, sent, received, avg, output);
    }

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex CountsRegex();

    [GeneratedRegex(@"= [\d.]+/([\d.]+)/[\d.]+/[\d.]+ ms")]
    private static partial Regex RttRegex();
}
