using System.Net.Sockets;
using System.Text;
using SharpVpn.Platform.Systemd;

namespace SharpVpn.Platform.Tests;

public sealed class SystemdUnitTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("svunit").FullName;

    [Fact]
    public void InstalledUnit_PassesSystemdAnalyzeVerify_AndCarriesTheHardening()
    {
        string config = Path.Combine(_dir, "server.conf");
        File.WriteAllText(config, "port 1194\n");
        string unitDir = Path.Combine(_dir, "units");
        string path = SystemdUnit.Install(new SystemdUnitOptions
        {
            Name = "svtest",
            ConfigPath = config,
            Command = ["/usr/bin/dotnet", typeof(SystemdUnit).Assembly.Location],
            ReadWritePaths = ["/var/log/sharpvpn", Path.Combine(_dir, "sub")],
        }, unitDir);
        Assert.Equal(Path.Combine(unitDir, "svtest.service"), path);
        string unit = File.ReadAllText(path);

        Assert.Contains("Type=notify\n", unit, StringComparison.Ordinal);
        Assert.Contains($"ExecStart=/usr/bin/dotnet {typeof(SystemdUnit).Assembly.Location} server --config {config}\n", unit, StringComparison.Ordinal);
        Assert.Contains($"WorkingDirectory={_dir}\n", unit, StringComparison.Ordinal);
        Assert.Contains("Restart=on-failure\n", unit, StringComparison.Ordinal);
        Assert.Contains("ProtectSystem=strict\n", unit, StringComparison.Ordinal);
        Assert.Contains($"ReadWritePaths={_dir} -/var/log/sharpvpn\n", unit, StringComparison.Ordinal);
        Assert.Contains("ProtectHome=yes\n", unit, StringComparison.Ordinal);
        Assert.Contains("PrivateTmp=no\n", unit, StringComparison.Ordinal); // the test's config is under /tmp
        Assert.Contains("NoNewPrivileges=yes\n", unit, StringComparison.Ordinal);
        Assert.Contains("CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID\n", unit, StringComparison.Ordinal);
        Assert.Contains("DeviceAllow=/dev/net/tun rw\n", unit, StringComparison.Ordinal);
        Assert.Contains("LimitNPROC=", unit, StringComparison.Ordinal);
        Assert.Contains("WantedBy=multi-user.target\n", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("\nProtectKernelTunables=yes", unit, StringComparison.Ordinal);
        Assert.DoesNotContain("\nMemoryDenyWriteExecute=yes", unit, StringComparison.Ordinal);

        // systemd-analyze is installed here (systemd 252); its absence would be a failure, not a skip.
        Assert.NotNull(CommandRunner.FindProgram("systemd-analyze"));
        CommandResult verify = CommandRunner.Host.Run("systemd-analyze", ["verify", path]);
        Assert.True(verify.Succeeded, verify.StandardError);
        Assert.Equal("", (verify.StandardError + verify.StandardOutput).Trim());
    }

    [Fact]
    public void Verify_WouldCatchABadUnit()
    {
        // The referee itself: a missing executable must fail verification, so the check above means something.
        string config = Path.Combine(_dir, "server.conf");
        File.WriteAllText(config, "port 1194\n");
        string path = SystemdUnit.Install(new SystemdUnitOptions { Name = "svbad", ConfigPath = config, Command = ["/nonexistent/sharpvpn"] }, _dir);
        Assert.False(CommandRunner.Host.Run("systemd-analyze", ["verify", path]).Succeeded);
    }

    [Fact]
    public void PathsWithSpacesAndPercent_AreQuotedAndEscaped()
    {
        string odd = Path.Combine(_dir, "my 100% conf");
        Directory.CreateDirectory(odd);
        string config = Path.Combine(odd, "server.conf");
        File.WriteAllText(config, "port 1194\n");
        string path = SystemdUnit.Install(new SystemdUnitOptions { Name = "svodd", ConfigPath = config, Command = ["/usr/bin/dotnet", typeof(SystemdUnit).Assembly.Location] }, _dir);
        string unit = File.ReadAllText(path);
        Assert.Contains($"--config \"{odd.Replace("%", "%%", StringComparison.Ordinal)}/server.conf\"", unit, StringComparison.Ordinal);
        CommandResult verify = CommandRunner.Host.Run("systemd-analyze", ["verify", path]);
        Assert.True(verify.Succeeded, verify.StandardError);
        Assert.Equal("", verify.StandardError.Trim());
    }

    [Fact]
    public void ConfigUnderHome_KeepsHomeReadable()
    {
        string unit = SystemdUnit.Render(new SystemdUnitOptions { Name = "x", ConfigPath = "/root/vpn/server.conf", Command = ["/usr/bin/sharpvpn"] });
        Assert.Contains("ProtectHome=read-only\n", unit, StringComparison.Ordinal);
        Assert.Contains("PrivateTmp=yes\n", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void InstallOverwritesAtomically_AndUninstallRemoves()
    {
        string config = Path.Combine(_dir, "server.conf");
        File.WriteAllText(config, "port 1194\n");
        var options = new SystemdUnitOptions { Name = "svre", ConfigPath = config, Command = ["/usr/bin/sharpvpn"] };
        SystemdUnit.Install(options, _dir);
        SystemdUnit.Install(options with { Description = "second" }, _dir);
        Assert.Contains("Description=second", File.ReadAllText(Path.Combine(_dir, "svre.service")), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(_dir, "*svre*", SearchOption.AllDirectories));
        Assert.True(SystemdUnit.Uninstall("svre", _dir));
        Assert.False(SystemdUnit.Uninstall("svre", _dir));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a b")]
    [InlineData("")]
    [InlineData("-x")]
    public void BadNames_AreRejected(string name) =>
        Assert.Throws<ArgumentException>(() => SystemdUnit.ValidateName(name));

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

public sealed class SystemdNotifyTests
{
    [Fact]
    public void Notify_ToAbstractSocket_DeliversTheState()
    {
        string name = $"svnotify{Environment.ProcessId}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        Assert.True(SystemdNotify.Notify("READY=1\nSTATUS=up", "@" + name));
        var buffer = new byte[256];
        listener.ReceiveTimeout = 2000;
        int n = listener.Receive(buffer);
        Assert.Equal("READY=1\nSTATUS=up", Encoding.UTF8.GetString(buffer, 0, n));
    }

    [Fact]
    public void Notify_ToPathSocket_DeliversTheState()
    {
        string dir = Directory.CreateTempSubdirectory("svnotify").FullName;
        try
        {
            string path = Path.Combine(dir, "notify");
            using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(path));
            Assert.True(SystemdNotify.Notify("STOPPING=1", path));
            var buffer = new byte[256];
            listener.ReceiveTimeout = 2000;
            Assert.Equal("STOPPING=1", Encoding.UTF8.GetString(buffer, 0, listener.Receive(buffer)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Notify_WithoutSocketOrListener_IsANoOp()
    {
        Assert.False(SystemdNotify.Notify("READY=1", ""));
        Assert.False(SystemdNotify.Notify("READY=1", "@svnobody-listens-here"));
        if (!SystemdNotify.IsAvailable)
        {
            Assert.False(SystemdNotify.Ready());
        }
    }
}
