using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR server (<c>sharpvpn server</c>) with REAL openvpn 2.6 clients: what happens to connected sessions:
/// renegotiation, floating to a new address, revocation with SIGHUP, reloads, max-clients and duplicate-cn.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerSessionInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task RenegSec10_ContinuousPingAcrossServerInitiatedRenegotiations()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["reneg-sec 10"] });
        await s.ConnectRealClientAsync();
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 175, timeout: TimeSpan.FromSeconds(45));
        int keyChanges = s.Server!.Lines.Count(l => l.Contains("TLS: soft reset complete", StringComparison.Ordinal));
        output.WriteLine($"ping: {ping}; key changes: {keyChanges}");
        Assert.True(keyChanges >= 3, $"only {keyChanges} key changes in 35 s");
        Assert.True(ping.Sent - ping.Received <= 1, ping.ToString());
    }

    [Fact]
    public async Task Float_OnlyAfterAnAuthenticatedPacketFromTheNewAddress()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        LabProcess real = await s.ConnectRealClientAsync();
        await s.AssertIntranetReachableAsync();
        (await s.Lab.RunAsync(s.Lab.Client, "ip", "addr", "add", "172.16.0.9/16", "dev", s.Lab.ClientInterface)).EnsureSuccess();

        // An attacker at the new address sends P_DATA_V2 packets for peer-id 0 that do not authenticate: no float.
        string script = Path.Combine(s.Lab.WorkDir, "spoof.py");
        File.WriteAllText(script, """
            import os, socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind(("172.16.0.9", 0))
            for i in range(200):
                s.sendto(bytes([9 << 3, 0, 0, 0]) + os.urandom(60), (sys.argv[1], 1194))
            """);
        (await s.Lab.RunAsync(s.Lab.Client, "python3", script, ScenarioLab.ServerPublicAddress)).EnsureSuccess();
        await s.AssertIntranetReachableAsync();
        Assert.DoesNotContain(s.Server!.Lines, l => l.Contains("Float:", StringComparison.Ordinal));

        // The real client's packets now leave from the new address (stateless source rewrite, as a NAT rebinding
        // would): the first one that decrypts moves the session, and traffic keeps flowing.
        await s.Lab.ApplyNftAsync(s.Lab.Client, $$"""
            table ip {{s.Lab.Prefix}}float {
                chain out {
                    type filter hook output priority -300; policy accept;
                    udp dport 1194 notrack ip saddr set 172.16.0.9
                }
                chain in {
                    type filter hook prerouting priority -300; policy accept;
                    udp sport 1194 notrack
                }
            }
            """);
        PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 5);
        await s.Server.WaitForOutputAsync("Float: peer address changed to 172.16.0.9:", StartTimeout);
        Assert.True(ping.Received >= 4, ping.ToString());
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task Case4_RevokeAfterRenegotiations_PlusSighup_StillDisconnects()
    {
        // The session keeps the client's certificate for the whole connection: after two renegotiations the first
        // TLS session (whose engine held it) is gone, and a CRL reload must still find the certificate revoked.
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "later"]);
        Func<string, string> laterFiles = KeepCopies(s, "later");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}", "reneg-sec 2", "tran-window 1"] });
        LabProcess later = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "later", laterFiles));
        await later.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.Server!.WaitForOutputAsync("data channel key_id 2 active", StartTimeout);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // key 0's lame-duck time is over: its TLS session is disposed
        await s.AssertIntranetReachableAsync();
        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("later");
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("disconnected 1 client(s) whose certificate is now revoked", StartTimeout, mark);
        Assert.False(s.Server.HasExited);
    }

    [Fact]
    public async Task Case4_RevokedRefused_RevokeWhileConnectedPlusSighupDisconnects_WrongEkuRefused()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "revoked", "later"]);
        // easy-rsa moves a revoked certificate out of issued/: the clients keep their own copies, as real ones would.
        Func<string, string> revokedFiles = KeepCopies(s, "revoked");
        Func<string, string> laterFiles = KeepCopies(s, "later");
        await s.Pki.RevokeAsync("revoked");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}", "remote-cert-tls client"] });

        // A client whose certificate is already revoked never gets in.
        LabProcess revoked = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "revoked", revokedFiles));
        await s.Server!.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout);
        await revoked.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", revoked.Output, StringComparison.Ordinal);

        // A client presenting the server's certificate (EKU serverAuth) is refused by remote-cert-tls client.
        LabProcess wrongEku = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "client", text => text
            .Replace($"cert {s.Pki.CertificateOf("client")}", $"cert {s.Pki.ServerCertificate}", StringComparison.Ordinal)
            .Replace($"key {s.Pki.KeyOf("client")}", $"key {s.Pki.ServerKey}", StringComparison.Ordinal)));
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*(usage|EKU|role)", RegexOptions.IgnoreCase), StartTimeout);
        await wrongEku.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", wrongEku.Output, StringComparison.Ordinal);
        await s.AssertIntranetUnreachableAsync();

        // A good client connects; revoking it and sending SIGHUP disconnects it (and the reconnect is refused).
        LabProcess later = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern, "later", laterFiles));
        await later.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.AssertIntranetReachableAsync();
        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("later");
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("disconnected 1 client(s) whose certificate is now revoked", StartTimeout, mark);
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout, mark);
        await s.AssertIntranetUnreachableAsync();
        Assert.False(s.Server.HasExited);
    }

    [Fact]
    public async Task RevokedThenReconnectingAtOnce_MeetsTheNewCrl_BeforeTheOnceASecondCheck()
    {
        // openvpn re-reads a changed crl-verify file for each new TLS session; we check it every second and, since
        // a revoke can race a reconnect, also when a client's session is created: the client that reconnects a few
        // milliseconds after its revocation must be refused, not let in until the next check.
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "gone"]);
        Func<string, string> goneFiles = KeepCopies(s, "gone");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}"] });
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern, "gone", goneFiles);
        LabProcess first = s.StartRealClient(config);
        await first.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        // The server's own line for that connection can come after the client's (its log is followed, up to ~50 ms
        // late): it must be in before the mark, or it would count as the second connection's.
        await s.Server!.WaitForOutputAsync("Peer Connection Initiated", StartTimeout);
        await first.StopAsync();

        int mark = s.Server.LineCount;
        await s.Pki.RevokeAsync("gone");
        LabProcess again = s.StartRealClient(config);
        await s.Server.WaitForOutputAsync(new Regex("TLS Error: .*revoked", RegexOptions.IgnoreCase), StartTimeout, mark);
        await Task.Delay(TimeSpan.FromSeconds(2)); // past the next periodic check: nothing changes
        await again.StopAsync();
        Assert.DoesNotContain("Initialization Sequence Completed", again.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(s.Server.Lines.Skip(mark), l => l.Contains("Peer Connection Initiated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sighup_ReloadsWithoutDroppingConnectedClients()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"crl-verify {s.Pki.Crl}"] });
        LabProcess client = await s.ConnectRealClientAsync();
        Task<PingResult> during = s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 15);
        await Task.Delay(500);
        int mark = s.Server!.LineCount;
        (await s.Lab.RunAsync(s.Lab.Server, "kill", "-HUP", s.Server.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture))).EnsureSuccess();
        await s.Server.WaitForOutputAsync("SIGHUP: reloading CRL and client-config-dir (connected clients stay)", StartTimeout, mark);
        PingResult ping = await during;
        Assert.True(ping.AllReceived, ping.ToString());
        Assert.DoesNotContain(s.Server.Lines.Skip(mark), l => l.Contains("client-instance", StringComparison.Ordinal));
        Assert.Equal(1, client.Lines.Count(l => l.Contains("Initialization Sequence Completed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task MaxClients1_SecondClientIsRefusedWhileTheFirstKeepsWorking()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output, clients: ["client", "bob"]);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["max-clients 1"] });
        await s.ConnectRealClientAsync();
        LabProcess second = s.StartRealClient(s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-nopull"] }, "bob"));
        await s.Server!.WaitForOutputAsync("MULTI: new incoming connection would exceed maximum number of clients (1)", StartTimeout);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.DoesNotContain("Initialization Sequence Completed", second.Output, StringComparison.Ordinal);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task DuplicateCnOffByDefault_SecondLoginReplacesTheFirst()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern with { ClientExtra = ["route-nopull"] });
        string second = Path.Combine(Path.GetDirectoryName(config.ConfigPath)!, "second.conf");
        File.WriteAllText(second, File.ReadAllText(config.ConfigPath).Replace(config.LogPath, Path.ChangeExtension(second, ".log"), StringComparison.Ordinal));
        LabProcess first = s.StartRealClient(config);
        await first.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        int mark = s.Server!.LineCount;
        LabProcess again = s.StartRealClient(new OpenVpnConfigFile(second, Path.ChangeExtension(second, ".log"), string.Empty));
        await again.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
        await s.Server.WaitForOutputAsync("MULTI: new connection by client 'client' will cause previous active sessions by this client to be dropped.", StartTimeout, mark);
        await s.Server.WaitForOutputAsync("SIGTERM[soft,duplicate-cn] client-instance exiting", StartTimeout, mark);
    }

    /// <summary>Copies a client's cert and key out of the PKI; returns a config edit that uses the copies.</summary>
    private static Func<string, string> KeepCopies(ServerScenario s, string name)
    {
        string dir = Path.Combine(s.Lab.WorkDir, "keep-" + name);
        Directory.CreateDirectory(dir);
        string cert = Path.Combine(dir, name + ".crt");
        string key = Path.Combine(dir, name + ".key");
        File.Copy(s.Pki.CertificateOf(name), cert);
        File.Copy(s.Pki.KeyOf(name), key);
        return text => text
            .Replace($"cert {s.Pki.CertificateOf(name)}", $"cert {cert}", StringComparison.Ordinal)
            .Replace($"key {s.Pki.KeyOf(name)}", $"key {key}", StringComparison.Ordinal);
    }
}
