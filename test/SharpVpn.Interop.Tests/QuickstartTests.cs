using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using SharpVpn.Config;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Issue 6 "Done when": <c>sharpvpn quickstart</c> in the lab's VPN host, OUR server started from the server.conf it
/// wrote, and a REAL openvpn 2.6 client using the generated profile unchanged (the .ovpn, or the zip's files)
/// reaches the intranet host 192.168.1.1 that it cannot reach before.
/// </summary>
[Trait("Category", "Interop")]
public sealed class QuickstartTests(ITestOutputHelper output)
{
    internal static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Quickstart_ThenRealOpenVpnWithTheOvpnUnchanged_PingsIntranet()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        CommandResult qs = await s.QuickstartAsync();
        Assert.Contains("created server config", qs.StdOut, StringComparison.Ordinal);
        Assert.Contains("192.168.1.0 255.255.255.0", qs.StdOut, StringComparison.Ordinal);
        string profile = Path.Combine(s.Dir, "clients", "client1.ovpn");
        Assert.True(File.Exists(profile), qs.ToString());

        // The profile is everything inline and parses as a client config.
        string text = await File.ReadAllTextAsync(profile);
        foreach (string tag in new[] { "<ca>", "<cert>", "<key>", "<tls-crypt>", "remote-cert-tls server", "remote 172.16.1.254 1194", "proto udp" })
        {
            Assert.Contains(tag, text, StringComparison.Ordinal);
        }

        ClientConfig parsed = ConfigParser.ParseClient(profile);
        Assert.Equal(["AES-256-GCM", "CHACHA20-POLY1305"], parsed.DataChannel.DataCiphers);

        await s.StartServerAsync();
        await s.AssertIntranetUnreachableAsync();
        await s.StartRealClientAsync(profile, Path.GetDirectoryName(profile)!);
        await s.AssertIntranetReachableAsync();
        string tun = (await s.Lab.RunAsync(s.Lab.Client, "ip", "-4", "-o", "addr", "show", "type", "tun")).StdOut;
        Assert.Contains("inet 10.8.0.2/24", tun, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quickstart_OnAServerWithTwoIntranets_PushesBothAndMasqueradesOntoBoth()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        // A second intranet on the server (in the lab's namespace, removed with it): 172.20.0.0/24 on its own interface
        // (a veth pair: this kernel has no dummy devices).
        (await s.Lab.RunAsync(s.Lab.Server, "ip", "link", "add", "lan2", "type", "veth", "peer", "name", "lan2p")).EnsureSuccess();
        (await s.Lab.RunAsync(s.Lab.Server, "ip", "link", "set", "lan2p", "up")).EnsureSuccess();
        (await s.Lab.RunAsync(s.Lab.Server, "ip", "addr", "add", "172.20.0.254/24", "dev", "lan2")).EnsureSuccess();
        (await s.Lab.RunAsync(s.Lab.Server, "ip", "link", "set", "lan2", "up")).EnsureSuccess();

        CommandResult qs = await s.QuickstartAsync();
        Assert.Contains("172.20.0.0 255.255.255.0", qs.StdOut, StringComparison.Ordinal);
        ServerConfig server = ConfigParser.ParseServer(Path.Combine(s.Dir, "server.conf"));
        Assert.Contains("route 192.168.1.0 255.255.255.0", server.Pushes);
        Assert.Contains("route 172.20.0.0 255.255.255.0", server.Pushes);
        Assert.Equal([s.Lab.ServerIntranetInterface, "lan2"], server.NatMasquerade);
    }

    [Fact]
    public async Task ProfileZip_RealOpenVpnWithTheZipsFiles_PingsIntranet_AndFilesAreCrlf()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "add", "laptop", "--format", "zip", "--dir", s.Dir)).EnsureSuccess();
        string zip = Path.Combine(s.Dir, "clients", "laptop.zip");
        string unpacked = Path.Combine(s.Lab.WorkDir, "unzipped");
        ZipFile.ExtractToDirectory(zip, unpacked);
        Assert.Equal(["ca.crt", "client.ovpn", "laptop.crt", "laptop.key", "ta.key"],
            Directory.GetFiles(unpacked).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
        foreach (string file in Directory.GetFiles(unpacked))
        {
            string content = await File.ReadAllTextAsync(file);
            Assert.DoesNotContain("\n", content.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Contains("\r\n", content, StringComparison.Ordinal);
        }

        string ovpn = await File.ReadAllTextAsync(Path.Combine(unpacked, "client.ovpn"));
        Assert.Contains("tls-crypt ta.key", ovpn, StringComparison.Ordinal);
        Assert.Contains("cert laptop.crt", ovpn, StringComparison.Ordinal);

        await s.StartServerAsync();
        await s.AssertIntranetUnreachableAsync();
        // Like OpenVPN GUI: the config's directory is the working directory, the files next to it are found.
        await s.StartRealClientAsync(Path.Combine(unpacked, "client.ovpn"), unpacked);
        await s.AssertIntranetReachableAsync();
    }

    [Fact]
    public async Task QuickstartTwice_SecondRunChangesNothingAndSaysSo()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync("--clients", "2");
        Dictionary<string, string> before = HashTree(s.Dir);
        Assert.Contains(Path.Combine("clients", "client2.ovpn"), before.Keys);

        CommandResult second = await s.QuickstartAsync("--clients", "2");
        Assert.Contains("Nothing changed", second.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("created", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("kept    certificate authority", second.StdOut, StringComparison.Ordinal);
        Assert.Contains("kept    server config", second.StdOut, StringComparison.Ordinal);
        Assert.Equal(before, HashTree(s.Dir));

        // A missing piece is added back, the rest is kept.
        File.Delete(Path.Combine(s.Dir, "clients", "client2.ovpn"));
        CommandResult third = await s.QuickstartAsync("--clients", "2");
        Assert.Contains("created profile client2", third.StdOut, StringComparison.Ordinal);
        Assert.Contains("kept    profile client1", third.StdOut, StringComparison.Ordinal);
        Assert.Equal(before[Path.Combine("clients", "client1.ovpn")], HashTree(s.Dir)[Path.Combine("clients", "client1.ovpn")]);
    }

    [Fact]
    public async Task ProfileRevoke_DisconnectsAConnectedRealClient_AndItCannotComeBack()
    {
        await using var s = await QuickstartScenario.CreateAsync(output);
        await s.QuickstartAsync();
        await s.StartServerAsync();
        string profile = Path.Combine(s.Dir, "clients", "client1.ovpn");
        // Keep a copy: revoke deletes the profile from the data directory.
        string copy = Path.Combine(s.Lab.WorkDir, "client1-copy.ovpn");
        File.Copy(profile, copy);
        LabProcess client = await s.StartRealClientAsync(copy, s.Lab.WorkDir);
        await s.AssertIntranetReachableAsync();

        CommandResult list = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "list", "--dir", s.Dir)).EnsureSuccess();
        output.WriteLine(list.StdOut);
        Assert.Matches(@"client1\s+connected\s+10\.8\.0\.2\s", list.StdOut);

        CommandResult revoke = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "revoke", "client1", "--dir", s.Dir)).EnsureSuccess();
        output.WriteLine(revoke.StdOut);
        Assert.False(File.Exists(profile));

        // The tunnel goes away within seconds (not after the 60 s keepalive timeout).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        bool reachable = true;
        while (reachable && DateTime.UtcNow < deadline)
        {
            reachable = (await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 1, timeout: TimeSpan.FromSeconds(1))).AnyReceived;
        }

        Assert.False(reachable, "the revoked client still reaches the intranet 20 s after 'profile revoke'");
        // And its reconnect attempts are refused (the CRL covers it).
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.False((await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(3))).AnyReceived);
        CommandResult listAfter = (await s.Lab.RunSharpVpnAsync(s.Lab.Server, "profile", "list", "--dir", s.Dir)).EnsureSuccess();
        Assert.Matches(@"client1\s+revoked\s+-\s", listAfter.StdOut);
        // Through management 'kill client1' - unless the server's own CRL watch (1 s) dropped it first.
        Assert.Matches(@"The running server disconnected 'client1'|'client1' is not connected to the running server", revoke.StdOut);
        Assert.Contains("revoked", s.Server!.Output, StringComparison.OrdinalIgnoreCase);
        _ = client;
    }

    [Fact]
    public async Task QuickstartService_WritesAUnitRunningTheServerConf()
    {
        // A private mount namespace with a tmpfs over /etc/systemd/system: the host's units are never touched.
        string dir = Path.Combine(Path.GetTempPath(), $"sharpvpn-qs-service-{Guid.NewGuid():N}");
        try
        {
            (string file, string[] args) = SharpVpnCli.Invocation("quickstart", "--service", "--dir", dir, "--public-address", "198.51.100.1",
                "--push-route", "192.168.1.0/24");
            string script = "mount -t tmpfs tmpfs /etc/systemd/system && \"$@\" && cat /etc/systemd/system/sharpvpn.service";
            CommandResult result = await ProcessRunner.RunAsync("unshare", ["-m", "--propagation", "private", "sh", "-c", script, "sh", file, .. args],
                TimeSpan.FromSeconds(60), CancellationToken.None);
            output.WriteLine(result.ToString());
            result.EnsureSuccess();
            Assert.Contains("created server config", result.StdOut, StringComparison.Ordinal);
            Assert.Contains($"ExecStart={file} {args[0]} server --config {dir}/server.conf", result.StdOut, StringComparison.Ordinal);
            Assert.Contains($"WorkingDirectory={dir}", result.StdOut, StringComparison.Ordinal);
            Assert.Contains("Type=notify", result.StdOut, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static Dictionary<string, string> HashTree(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".lock", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}

/// <summary>The lab plus a quickstart data directory in its work dir, our server and real clients started from it.</summary>
internal sealed class QuickstartScenario : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly List<LabProcess> _logged = [];

    private QuickstartScenario(ScenarioLab lab, ITestOutputHelper output)
    {
        Lab = lab;
        _output = output;
        Dir = Path.Combine(lab.WorkDir, "sharpvpn");
    }

    public ScenarioLab Lab { get; }

    public string Dir { get; }

    public LabProcess? Server { get; private set; }

    public static async Task<QuickstartScenario> CreateAsync(ITestOutputHelper output) => new(await ScenarioLab.CreateAsync(), output);

    public async Task<CommandResult> QuickstartAsync(params string[] extra)
    {
        CommandResult result = await Lab.RunSharpVpnAsync(Lab.Server,
            ["quickstart", "--no-start", "--dir", Dir, "--public-address", ScenarioLab.ServerPublicAddress, .. extra]);
        _output.WriteLine(result.ToString());
        return result.EnsureSuccess();
    }

    public async Task<LabProcess> StartServerAsync()
    {
        Server = Lab.StartSharpVpn(Lab.Server, ["server", "--config", Path.Combine(Dir, "server.conf")]);
        _logged.Add(Server);
        await Server.WaitForOutputAsync("Initialization Sequence Completed", QuickstartTests.StartTimeout);
        return Server;
    }

    public async Task<LabProcess> StartRealClientAsync(string config, string workDir)
    {
        LabProcess client = Lab.StartProcess(Lab.Client, "openvpn", ["--config", config], workDir: workDir);
        _logged.Add(client);
        await client.WaitForOutputAsync("Initialization Sequence Completed", QuickstartTests.StartTimeout);
        return client;
    }

    public async Task AssertIntranetUnreachableAsync()
    {
        PingResult before = await Lab.PingAsync(Lab.Client, ScenarioLab.IntranetAddress, count: 2, timeout: TimeSpan.FromSeconds(3));
        Assert.False(before.AnyReceived, before.ToString());
    }

    public async Task AssertIntranetReachableAsync()
    {
        PingResult after = await Lab.PingAsync(Lab.Client, ScenarioLab.IntranetAddress, count: 3);
        Assert.True(after.AllReceived, after.ToString());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (LabProcess p in _logged)
        {
            _output.WriteLine($"--- {p.Host.Role}: {p.CommandLine} (exit {p.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "running"}) ---\n{p.Output}");
        }

        await Lab.DisposeAsync();
    }
}
