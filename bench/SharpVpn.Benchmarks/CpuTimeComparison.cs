using System.Diagnostics;
using System.Globalization;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

/// <summary>
/// `SharpVpn.Benchmarks cpu-compare`: per-packet cost in process CPU time (robust on a shared,
/// loaded machine where wall-clock figures mostly measure preemption), next to `openssl speed`
/// (which also divides by CPU time unless given -elapsed), in the same run.
/// </summary>
internal static class CpuTimeComparison
{
    public static void Run()
    {
        Console.WriteLine($"# {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Trim()}");
        Console.WriteLine("| path (1420-byte payload) | CPU µs/packet | MB/s per core (CPU time) | wall µs/packet |");
        Console.WriteLine("|---|---|---|---|");
        foreach ((string cipher, string? auth) in new[] { ("AES-256-GCM", (string?)null), ("CHACHA20-POLY1305", null), ("AES-256-CBC", "SHA1") })
        {
            (DataChannelKey client, DataChannelKey server) = BenchKeys.Pair(cipher, auth);
            byte[] payload = new byte[BenchKeys.PacketSize];
            byte[] wire = new byte[2048];
            byte[] plain = new byte[2048];
            long now = 0;
            string name = auth is null ? cipher : $"{cipher}/{auth}";
            Measure($"{name} Encrypt", () => client.Encrypt(payload, wire, 7));
            Measure($"{name} Encrypt+Decrypt", () =>
            {
                int n = client.Encrypt(payload, wire, 7);
                if (server.Decrypt(wire.AsSpan(0, n), plain, ++now, out _) != DataDecryptResult.Ok)
                {
                    throw new InvalidOperationException("decrypt failed");
                }
            });
            client.Dispose();
            server.Dispose();
        }

        foreach (string alg in new[] { "aes-256-gcm", "chacha20-poly1305", "aes-256-cbc" })
        {
            Console.WriteLine($"openssl speed -evp {alg} -bytes 1420 -seconds 2 (CPU time): {OpenSsl(alg)}");
        }
    }

    private static void Measure(string name, Action op)
    {
        for (int i = 0; i < 20_000; i++)
        {
            op();
        }

        using Process self = Process.GetCurrentProcess();
        TimeSpan cpu0 = self.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        long n = 0;
        while (sw.ElapsedMilliseconds < 3000)
        {
            for (int i = 0; i < 1000; i++)
            {
                op();
            }

            n += 1000;
        }

        self.Refresh();
        double cpuUs = (self.TotalProcessorTime - cpu0).TotalMicroseconds / n;
        double wallUs = sw.Elapsed.TotalMicroseconds / n;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {cpuUs:F3} | {BenchKeys.PacketSize / cpuUs:F0} | {wallUs:F3} |"));
    }

    private static string OpenSsl(string alg)
    {
        try
        {
            using Process p = Process.Start(new ProcessStartInfo("openssl", $"speed -evp {alg} -bytes 1420 -seconds 2") { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            string last = output.Trim().Split('\n')[^1];
            string[] parts = last.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            double kbs = double.Parse(parts[^1].TrimEnd('k'), CultureInfo.InvariantCulture);
            return string.Create(CultureInfo.InvariantCulture, $"{kbs / 1000:F0} MB/s = {1420 / (kbs / 1000):F3} CPU µs/packet");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or FormatException or IndexOutOfRangeException)
        {
            return "openssl not available";
        }
    }
}
