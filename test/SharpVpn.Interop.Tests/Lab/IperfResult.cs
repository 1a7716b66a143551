using System.Text.Json;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>One iperf3 TCP run: what the receiver got, and the sender's retransmits.</summary>
public sealed record IperfResult(double BitsPerSecond, long Retransmits, TimeSpan Duration, string Json)
{
    public double Mbps => BitsPerSecond / 1e6;

    public override string ToString() => $"{Mbps:0.0} Mbit/s over {Duration.TotalSeconds:0.#} s, {Retransmits} retransmits";

    // iperf3 -J: end.sum_received.bits_per_second / .seconds, end.sum_sent.retransmits (TCP only).
    internal static IperfResult Parse(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement end = doc.RootElement.GetProperty("end");
        if (doc.RootElement.TryGetProperty("error", out JsonElement error))
        {
            throw new InvalidOperationException($"iperf3 failed: {error.GetString()}");
        }
        JsonElement received = end.GetProperty("sum_received");
        long retransmits = end.TryGetProperty("sum_sent", out JsonElement sent) && sent.TryGetProperty("retransmits", out JsonElement r)
            ? r.GetInt64()
            : 0;
        return new IperfResult(
            received.GetProperty("bits_per_second").GetDouble(), retransmits,
            TimeSpan.FromSeconds(received.GetProperty("seconds").GetDouble()), json);
    }
}
