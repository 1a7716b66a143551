using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>sharpvpn profile</c> against real OpenVPN: the quickstart server.conf (minus SharpVPN's own NAT/firewall
/// directives) runs under the real openvpn 2.6 server and our profile connects to it; a tls-auth server gets
/// <c>key-direction 1</c> + <c>&lt;tls-auth&gt;</c> profiles; passphrase-protected keys; list shows connected
/// clients with their VPN address; renew issues a working new certificate.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ProfileTests(ITestOutputHelper output)
{
    [Fact]
    public async Task QuickstartServerConf_RunsUnderRealOpenVpnServer_AndTheProfileConnects()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        string conf = Path.Combine(s.Dir, "server.conf");
        // The same file for stock OpenVPN: drop SharpVPN's two directives and do their job by hand (NAT; forwarding is on in the lab).
        string stock = Path.Combine(s.Lab.WorkDir, "stock-server.conf");
        await File.WriteAllLinesAsync(stock, (await File.ReadAllLinesAsync(conf))
            .Where(l => !l.StartsWith("nat-masquerade ", StringComparison.Ordinal) && !l.StartsWith("firewall ", StringComparison.Ordinal)));
        await s.Lab.ApplyMasqueradeAsync("10.8.0.0/24");
        LabProcess server = s.Lab.StartProcess(s.Lab.Server, "openvpn", ["--config", stock]);
        try
        {
            await server.WaitForOutputAsync("Initialization Sequence Completed", QuickstartTests.StartTimeout);
            await s.AssertIntranetUnreachableAsync();
            await s.StartRealClientAsync(Path.Combine(s.Dir, "clients", "client1.ovpn"), s.Lab.WorkDir);
            await s.AssertIntranetReachableAsync();

            // Our profile list reads the real server's management socket.
            string list = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "list", "--dir", s.Dir)).EnsureSuccess().StdOut;
            output.WriteLine(list);
            Assert.Matches(@"client1\s+connected\s+10\.8\.0\.2\s", list);

            // Revoke through the real server's management interface ('kill CN').
            string revoke = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "revoke", "client1", "--dir", s.Dir)).EnsureSuccess().StdOut;
            output.WriteLine(revoke);
            Assert.Contains("SUCCESS: common name 'client1' found, 1 client(s) killed", revoke, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(server.Output);
        }
    }

    [Fact]
    public async Task TlsAuthServer_ProfileCarriesKeyDirection1_AndConnectsToOurServer()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        string conf = Path.Combine(s.Dir, "server.conf");
        string text = await File.ReadAllTextAsync(conf);
        // An admin switching the server to the tutorial's tls-auth (key direction 0) and a SHA256 HMAC.
        text = Regex.Replace(text, @"(?m)^tls-crypt (\S+)$", "tls-auth $1 0\nauth SHA256");
        await File.WriteAllTextAsync(conf, text);

        (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "bob", "--dir", s.Dir)).EnsureSuccess();
        string profile = Path.Combine(s.Dir, "clients", "bob.ovpn");
        string bob = await File.ReadAllTextAsync(profile);
        Assert.Contains("key-direction 1\n<tls-auth>", bob, StringComparison.Ordinal);
        Assert.Contains("auth SHA256", bob, StringComparison.Ordinal);
        Assert.DoesNotContain("<tls-crypt>", bob, StringComparison.Ordinal);

        await s.StartServerAsync();
        await s.StartRealClientAsync(profile, s.Lab.WorkDir);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task PassphraseProtectedKey_RealOpenVpnConnectsWithAskpass()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync("--clients", "0");
        (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "carol", "--passout", "pass:correct horse", "--days", "30", "--dir", s.Dir)).EnsureSuccess();
        string profile = Path.Combine(s.Dir, "clients", "carol.ovpn");
        string text = await File.ReadAllTextAsync(profile);
        Assert.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", text, StringComparison.Ordinal);

        string list = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "list", "--dir", s.Dir)).EnsureSuccess().StdOut;
        string expiry = DateTime.UtcNow.AddDays(30).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Matches($@"carol\s+valid\s+-\s+{expiry}", list);

        string askpass = Path.Combine(s.Lab.WorkDir, "askpass.txt");
        await File.WriteAllTextAsync(askpass, "correct horse\n");
        await s.StartServerAsync();
        string withAskpass = Path.Combine(s.Lab.WorkDir, "carol-askpass.ovpn");
        await File.WriteAllTextAsync(withAskpass, text + $"askpass {askpass}\n");
        await s.StartRealClientAsync(withAskpass, s.Lab.WorkDir);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task Renew_NewCertificateInTheProfile_Connects()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        string profile = Path.Combine(s.Dir, "clients", "client1.ovpn");
        string before = await File.ReadAllTextAsync(profile);
        string renew = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "renew", "client1", "--days", "90", "--dir", s.Dir)).EnsureSuccess().StdOut;
        Assert.Contains(profile, renew, StringComparison.Ordinal);
        string after = await File.ReadAllTextAsync(profile);
        Assert.NotEqual(Block(before, "cert"), Block(after, "cert"));
        Assert.Equal(Block(before, "key"), Block(after, "key"));

        await s.StartServerAsync();
        await s.StartRealClientAsync(profile, s.Lab.WorkDir);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task Quickstart_WithoutNoStart_RunsTheServerInTheForeground()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        LabProcess quickstart = s.Lab.StartSharpVpn(s.Lab.Server, ["quickstart", "--dir", s.Dir, "--public-address", ScenarioLab.ServerPublicAddress]);
        try
        {
            await quickstart.WaitForOutputAsync("Initialization Sequence Completed", QuickstartTests.StartTimeout);
            Assert.Contains("created profile client1", quickstart.Output, StringComparison.Ordinal);
            await s.StartRealClientAsync(Path.Combine(s.Dir, "clients", "client1.ovpn"), s.Lab.WorkDir);
            await s.AssertIntranetReachableAsync();
            await quickstart.StopAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(0, quickstart.ExitCode);
            // The server removed its nftables table on exit.
            string tables = (await s.Lab.RunAsync(s.Lab.Server, "nft", "list", "tables")).StdOut;
            Assert.DoesNotContain("sharpvpn", tables, StringComparison.Ordinal);
        }
        finally
        {
            output.WriteLine(quickstart.Output);
        }
    }

    [Fact]
    public async Task Revoke_WithoutManagementSocket_FallsBackToSighup_AndStillDisconnects()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        string conf = Path.Combine(s.Dir, "server.conf");
        await File.WriteAllLinesAsync(conf, (await File.ReadAllLinesAsync(conf)).Where(l => !l.StartsWith("management ", StringComparison.Ordinal)));
        string copy = Path.Combine(s.Lab.WorkDir, "client1.ovpn");
        File.Copy(Path.Combine(s.Dir, "clients", "client1.ovpn"), copy);
        await s.StartServerAsync();
        await s.StartRealClientAsync(copy, s.Lab.WorkDir);
        await s.AssertIntranetReachableAsync();

        string revoke = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "revoke", "client1", "--dir", s.Dir)).EnsureSuccess().StdOut;
        output.WriteLine(revoke);
        Assert.Contains("Sent SIGHUP to the server", revoke, StringComparison.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while ((await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 1, timeout: TimeSpan.FromSeconds(1))).AnyReceived)
        {
            Assert.True(DateTime.UtcNow < deadline, "the revoked client still reaches the intranet 20 s after 'profile revoke'");
        }
    }

    [Fact]
    public async Task BadInput_IsAOneLineError()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        CommandResult noDir = await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "x", "--dir", Path.Combine(s.Lab.WorkDir, "nothing"));
        Assert.Equal(2, noDir.ExitCode);
        Assert.Contains("run 'sharpvpn quickstart' first", noDir.StdErr, StringComparison.Ordinal);

        await s.QuickstartAsync();
        CommandResult badName = await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "../evil", "--dir", s.Dir);
        Assert.Equal(1, badName.ExitCode);
        Assert.Single(badName.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        CommandResult twice = await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "client1", "--dir", s.Dir);
        Assert.Equal(2, twice.ExitCode);
        Assert.Contains("already exists", twice.StdErr, StringComparison.Ordinal);
        CommandResult badPool = await s.Lab.RunSharpVpnAsync(s.Lab.Server, "quickstart", "--no-start", "--pool", "10.8.0.1", "--dir", s.Dir);
        Assert.Equal(1, badPool.ExitCode);
    }

    private static string Block(string profile, string tag)
    {
        int start = profile.IndexOf($"<{tag}>", StringComparison.Ordinal);
        int end = profile.IndexOf($"</{tag}>", StringComparison.Ordinal);
        return profile[start..end];
    }
}
