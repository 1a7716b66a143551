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
        SelfSigned expired = await SelfSigned.CreateExpiredAsync(s.Lab.WorkDir, "carol");
        foreach (bool real in new[] { false, true })
        {
            // The server lists its clients in an inline block, as the man page's example.
            await s.StartEitherServerAsync(Variant, real,
                PkiLess(server, $"<peer-fingerprint>\n# alice\n{alice.Fingerprint}\n; carol\n{expired.Fingerprint}\n</peer-fingerprint>"));
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

            // Without a CA openvpn ignores every chain error, an expired certificate's too: only the fingerprint counts.
            LabProcess carol = s.StartRealClient(s.WriteClientConfig(Variant, "carol", PkiLess(expired, $"peer-fingerprint {server.Fingerprint}")));
            await carol.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            await carol.StopAsync();

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

    [Fact]
    public async Task Server_WithCaAndFingerprint_BothMustHold_AsUnderTheRealServer()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, ["client", "bob"]);
        string client = await FingerprintOf(s.Pki.CertificateOf("client"));
        string bob = await FingerprintOf(s.Pki.CertificateOf("bob"));
        SelfSigned stranger = await SelfSigned.CreateAsync(s.Lab.WorkDir, "stranger");
        foreach (bool real in new[] { false, true })
        {
            // The CA stays; the fingerprints list 'client' and a self-signed stranger, not 'bob' (issued by the same CA).
            await s.StartEitherServerAsync(Variant with { ServerExtra = [$"<peer-fingerprint>\n{client}\n{stranger.Fingerprint}\n</peer-fingerprint>"] }, real);
            LabProcess listed = s.StartRealClient(s.WriteClientConfig(Variant));
            await listed.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            await s.AssertIntranetReachableAsync();
            Assert.DoesNotContain(NoCaLine, s.Server!.Output, StringComparison.Ordinal);
            await listed.StopAsync();

            // The CA's certificate alone is not enough ...
            LabProcess unlisted = s.StartRealClient(s.WriteClientConfig(Variant, "bob"));
            await s.Server.WaitForOutputAsync($"certificate hash verification failed. (got certificate fingerprint: {bob.ToLowerInvariant()})", StartTimeout);
            await unlisted.StopAsync();

            // ... nor is a listed fingerprint without the CA's signature.
            int from = s.Server.LineCount;
            LabProcess foreign = s.StartRealClient(s.WriteClientConfig(Variant, "stranger", WithCertificate(stranger)));
            await s.Server.WaitForOutputAsync(real ? "VERIFY ERROR: depth=0" : "is not signed by the configured CA", StartTimeout, from);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.DoesNotContain("Initialization Sequence Completed", foreign.Output, StringComparison.Ordinal);
            await foreign.StopAsync();
            await s.Server.StopAsync();
        }
    }

    private static async Task<string> FingerprintOf(string certificate)
    {
        CommandResult r = await ProcessRunner.RunAsync("openssl", ["x509", "-fingerprint", "-sha256", "-noout", "-in", certificate],
            TimeSpan.FromSeconds(30), CancellationToken.None);
        Match m = FingerprintLine().Match(r.StdOut);
        Assert.True(m.Success, r.ToString());
        return m.Groups[1].Value;
    }

    /// <summary>
    /// The lab's config turned PKI-less: no <c>ca</c>, the self-signed certificate and key, the fingerprint line(s), and
    /// no <c>remote-cert-tls</c> (openssl req -x509 certificates carry no key usage, and the man page's client has none).
    /// </summary>
    private static Func<string, string> PkiLess(SelfSigned own, string fingerprints) => config =>
        WithCertificate(own)(string.Join('\n', config.Split('\n')
            .Where(line => !line.StartsWith("ca ", StringComparison.Ordinal) && !line.StartsWith("remote-cert-tls ", StringComparison.Ordinal))))
        + fingerprints + "\n";

    /// <summary>The lab's config with <paramref name="own"/> as this side's certificate and key.</summary>
    private static Func<string, string> WithCertificate(SelfSigned own) => config =>
        string.Join('\n', config.Split('\n')
            .Select(line => line.StartsWith("cert ", StringComparison.Ordinal) ? $"cert {own.Certificate}"
                : line.StartsWith("key ", StringComparison.Ordinal) ? $"key {own.Key}" : line));

    /// <summary>A self-signed certificate as the man page makes it, and its fingerprint as openssl prints it.</summary>
    private sealed record SelfSigned(string Certificate, string Key, string Fingerprint)
    {
        /// <summary>The fingerprint as openvpn (and SharpVPN) log it: lower-case hex.</summary>
        public string LoggedFingerprint => Fingerprint.ToLowerInvariant();

        public static async Task<SelfSigned> CreateAsync(string directory, string name)
        {
            string certificate = Path.Combine(directory, $"{name}-selfsigned.crt");
            string key = Path.Combine(directory, $"{name}-selfsigned.key");
            CommandResult r = await ProcessRunner.RunAsync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1",
                "-keyout", key, "-out", certificate, "-nodes", "-sha256", "-days", "3650", "-subj", $"/CN={name}"], TimeSpan.FromSeconds(30), CancellationToken.None);
            Assert.True(r.ExitCode == 0, r.ToString());
            return new SelfSigned(certificate, key, await FingerprintOf(certificate));
        }

        /// <summary>The same kind of certificate, expired a year ago (openssl 3.0's req cannot back-date one).</summary>
        public static async Task<SelfSigned> CreateExpiredAsync(string directory, string name)
        {
            string certificate = Path.Combine(directory, $"{name}-selfsigned.crt");
            string key = Path.Combine(directory, $"{name}-selfsigned.key");
            using var ec = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP384);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={name}", ec,
                System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddYears(-3), DateTimeOffset.UtcNow.AddYears(-1));
            await File.WriteAllTextAsync(certificate, cert.ExportCertificatePem() + "\n");
            await File.WriteAllTextAsync(key, ec.ExportPkcs8PrivateKeyPem() + "\n");
            return new SelfSigned(certificate, key, await FingerprintOf(certificate));
        }
    }

    [GeneratedRegex(@"Fingerprint=([0-9A-Fa-f:]{95})")]
    private static partial Regex FingerprintLine();
}
