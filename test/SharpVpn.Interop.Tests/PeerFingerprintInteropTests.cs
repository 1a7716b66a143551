using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>peer-fingerprint</c> without a CA, set up as openvpn's man page does it (doc/man-sections/example-fingerprint.rst):
/// self-signed EC certificates from <c>openssl req -x509</c>, fingerprints from <c>openssl x509 -fingerprint -sha256</c>.
/// The same config files run under our server and the real openvpn 2.6 server, and under our client and the real one.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class PeerFingerprintInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    private static readonly OpenVpnVariant Variant = OpenVpnVariant.Modern;

    // openvpn's options.c logs it when peer-fingerprint stands in for the CA; ours says the same.
    private const string NoCaLine = "Using certificate fingerprint to verify peer (no CA option set).";

    [Fact]
    public async Task Server_RealClientListedByFingerprint_GetsIn_AnUnlistedOneIsKeptOut_AsUnderTheRealServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        SelfSigned server = await SelfSigned.CreateAsync(s.Lab.WorkDir, "server");
        SelfSigned alice = await SelfSigned.CreateAsync(s.Lab.WorkDir, "alice");
        SelfSigned mallory = await SelfSigned.CreateAsync(s.Lab.WorkDir, "mallory");
        foreach (bool real in new[] { false, true })
        {
            // The server lists its clients in an inline block, as the man page's example.
            await s.StartEitherServerAsync(Variant, real, PkiLess(server, $"<peer-fingerprint>\n# alice\n{alice.Fingerprint}\n</peer-fingerprint>"));
            LabProcess client = s.StartRealClient(s.WriteClientConfig(Variant, "client", PkiLess(alice, $"peer-fingerprint {server.Fingerprint}")));
            await client.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            Assert.All(new[] { client, s.Server! }, p => Assert.Contains(NoCaLine, p.Output, StringComparison.Ordinal));
            await client.StopAsync();
            if (!real)
            {
                // Ours with ours, from the same client file.
                LabProcess ours = s.StartOurClient(s.WriteClientConfig(Variant, "client", PkiLess(alice, $"peer-fingerprint {server.Fingerprint}")));
                await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
                await s.AssertIntranetReachableAsync();
                Assert.Contains(NoCaLine, ours.Output, StringComparison.Ordinal);
                await ours.StopAsync();
            }

            LabProcess intruder = s.StartRealClient(s.WriteClientConfig(Variant, "mallory", PkiLess(mallory, $"peer-fingerprint {server.Fingerprint}")));
            // Both servers log the refused certificate's fingerprint in openvpn's words (ssl_verify.c verify_cert).
            await s.Server!.WaitForOutputAsync($"certificate hash verification failed. (got certificate fingerprint: {mallory.LoggedFingerprint})", StartTimeout);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.DoesNotContain("Initialization Sequence Completed", intruder.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("[mallory] Peer Connection Initiated", s.Server.Output, StringComparison.Ordinal);
            await intruder.StopAsync();
            await s.Server.StopAsync();
        }
    }

    [Fact]
    public async Task Client_ReachesTheRealServerByItsFingerprint_AWrongFingerprintIsRefusedClearly()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        SelfSigned server = await SelfSigned.CreateAsync(s.Lab.WorkDir, "server");
        SelfSigned alice = await SelfSigned.CreateAsync(s.Lab.WorkDir, "alice");
        SelfSigned other = await SelfSigned.CreateAsync(s.Lab.WorkDir, "other");
        await s.StartEitherServerAsync(Variant, real: true, PkiLess(server, $"<peer-fingerprint>\n{alice.Fingerprint}\n</peer-fingerprint>"));

        LabProcess ours = s.StartOurClient(s.WriteClientConfig(Variant, "client", PkiLess(alice, $"peer-fingerprint {server.Fingerprint}")));
        await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        await ours.StopAsync();

        OpenVpnConfigFile wrong = s.WriteClientConfig(Variant, "wrong", PkiLess(alice, $"peer-fingerprint {other.Fingerprint}"));
        string refusal = $"certificate hash verification failed. (got certificate fingerprint: {server.LoggedFingerprint})";
        LabProcess theirs = s.StartRealClient(wrong);
        await theirs.WaitForOutputAsync($"TLS Error: --tls-verify/--peer-fingerprint {refusal}", StartTimeout); // openvpn's line
        await theirs.StopAsync();

        LabProcess refused = s.StartOurClient(wrong);
        Assert.True(await refused.WaitForExitAsync(StartTimeout), "our client kept running with the wrong server fingerprint");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains($"Peer certificate 'CN=server' is not listed in peer-fingerprint: {refusal}", refused.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Initialization Sequence Completed", refused.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// The lab's config turned PKI-less: no <c>ca</c>, the self-signed certificate and key, the fingerprint line(s), and
    /// no <c>remote-cert-tls</c> (openssl req -x509 certificates carry no key usage, and the man page's client has none).
    /// </summary>
    private static Func<string, string> PkiLess(SelfSigned own, string fingerprints) => config =>
        string.Join('\n', config.Split('\n')
            .Where(line => !line.StartsWith("ca ", StringComparison.Ordinal) && !line.StartsWith("remote-cert-tls ", StringComparison.Ordinal))
            .Select(line => line.StartsWith("cert ", StringComparison.Ordinal) ? $"cert {own.Certificate}"
                : line.StartsWith("key ", StringComparison.Ordinal) ? $"key {own.Key}" : line))
        + fingerprints + "\n";

    /// <summary>A self-signed certificate as the man page makes it, and its fingerprint as openssl prints it.</summary>
    private sealed record SelfSigned(string Certificate, string Key, string Fingerprint)
    {
        /// <summary>The fingerprint as openvpn (and SharpVPN) log it: lower-case hex.</summary>
        public string LoggedFingerprint => Fingerprint.ToLowerInvariant();

        public static async Task<SelfSigned> CreateAsync(string directory, string name)
        {
            string certificate = Path.Combine(directory, $"{name}-selfsigned.crt");
            string key = Path.Combine(directory, $"{name}-selfsigned.key");
            await Openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-keyout", key, "-out", certificate,
                "-nodes", "-sha256", "-days", "3650", "-subj", $"/CN={name}");
            string printed = await Openssl("x509", "-fingerprint", "-sha256", "-in", certificate, "-noout");
            Match m = FingerprintLine().Match(printed);
            Assert.True(m.Success, printed);
            return new SelfSigned(certificate, key, m.Groups[1].Value);
        }

        private static async Task<string> Openssl(params string[] args)
        {
            CommandResult r = await ProcessRunner.RunAsync("openssl", args, TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.True(r.ExitCode == 0, r.ToString());
            return r.StdOut;
        }
    }

    [GeneratedRegex(@"Fingerprint=([0-9A-Fa-f:]{95})")]
    private static partial Regex FingerprintLine();
}
