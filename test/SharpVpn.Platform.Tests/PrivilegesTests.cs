using SharpVpn.Platform.Tun;

namespace SharpVpn.Platform.Tests;

public sealed class PrivilegesTests
{
    [Fact]
    public void LookupUser_FindsNobody_AndNamesAMissingUser()
    {
        UserAccount nobody = Privileges.LookupUser("nobody");
        Assert.Equal(65534u, nobody.Uid);
        Assert.Equal(65534u, Privileges.LookupGroup("nogroup"));
        var ex = Assert.Throws<InvalidOperationException>(() => Privileges.LookupUser("sv-no-such-user"));
        Assert.Contains("User 'sv-no-such-user' does not exist", ex.Message, StringComparison.Ordinal);
        ex = Assert.Throws<InvalidOperationException>(() => Privileges.LookupGroup("sv-no-such-group"));
        Assert.Contains("Group 'sv-no-such-group' does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Drop_UnknownUser_ChangesNothing()
    {
        Assert.Throws<InvalidOperationException>(() => Privileges.Drop("sv-no-such-user", "nogroup"));
        Assert.True(Privileges.IsRoot);
    }
}

/// <summary>
/// Dropping privileges is process-wide, so it runs in a child process (a tiny program built against
/// SharpVpn.Platform.dll on first use) inside a test namespace, where the CAP_NET_ADMIN check
/// (changing lo's MTU) cannot touch the host.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PrivilegeDropProcessTests
{
    private static readonly Lazy<string> s_helper = new(BuildHelper);

    [Fact]
    public void Drop_ToNobody_AllThreadsLoseRoot_AndNetAdminIsGone()
    {
        using var ns = new TestNamespace();
        string output = RunHelper(ns, "nobody", "nogroup", "drop");
        Assert.Contains("uid=65534 65534 65534 65534", output, StringComparison.Ordinal);
        Assert.Contains("gid=65534 65534 65534 65534", output, StringComparison.Ordinal);
        Assert.Contains("groups=65534", output, StringComparison.Ordinal);
        Assert.Contains("roottasks=0", output, StringComparison.Ordinal);
        Assert.Contains("ipexit=2", output, StringComparison.Ordinal); // ip: Operation not permitted
    }

    [Fact]
    public void Drop_KeepingNetAdmin_LetsCleanupCommandsStillWork()
    {
        using var ns = new TestNamespace();
        string output = RunHelper(ns, "nobody", "-", "keep");
        Assert.Contains("uid=65534 65534 65534 65534", output, StringComparison.Ordinal);
        Assert.Contains("gid=65534 65534 65534 65534", output, StringComparison.Ordinal); // nobody's primary group
        Assert.Contains("CapEff:\t0000000000001000", output, StringComparison.Ordinal);
        Assert.Contains("ipexit=0", output, StringComparison.Ordinal);
        Assert.Contains("mtu 60000", ns.Ip("link", "show", "lo"), StringComparison.Ordinal);
    }

    [Fact]
    public void Drop_UnknownGroup_FailsWithTheName()
    {
        using var ns = new TestNamespace();
        string output = RunHelper(ns, "nobody", "sv-no-such-group", "drop");
        Assert.Contains("ERROR Group 'sv-no-such-group' does not exist", output, StringComparison.Ordinal);
    }

    private static string RunHelper(TestNamespace ns, string user, string group, string mode)
    {
        CommandResult result = ns.Runner.Run("dotnet", [s_helper.Value, user, group, mode]);
        return result.StandardOutput + result.StandardError;
    }

    private static string BuildHelper()
    {
        string platformDll = typeof(TunDevice).Assembly.Location;
        // Outside the repository: under test/ the helper would inherit the test projects' Directory.Build.props.
        string dir = Path.Combine(Path.GetTempPath(), $"sharpvpn-svdrophelper-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        File.WriteAllText(Path.Combine(dir, "svdrophelper.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <Reference Include="SharpVpn.Platform"><HintPath>{platformDll}</HintPath></Reference>
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(dir, "Program.cs"), """
            using SharpVpn.Platform;
            try
            {
                Privileges.Drop(args[0], args[1] == "-" ? null : args[1], keepNetAdmin: args[2] == "keep");
            }
            catch (InvalidOperationException ex)
            {
                Console.WriteLine("ERROR " + ex.Message);
                return 3;
            }
            // Threads the runtime started before the drop must have lost root too (glibc broadcasts setuid).
            int rootTasks = 0;
            foreach (string task in Directory.GetDirectories("/proc/self/task"))
            {
                string uid = File.ReadLines(Path.Combine(task, "status")).First(l => l.StartsWith("Uid:"));
                if (uid.Split('\t', StringSplitOptions.RemoveEmptyEntries).Skip(1).Any(v => v == "0")) rootTasks++;
            }
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                string[] f = line.Split('\t', StringSplitOptions.RemoveEmptyEntries);
                if (line.StartsWith("Uid:")) Console.WriteLine("uid=" + string.Join(' ', f.Skip(1)));
                else if (line.StartsWith("Gid:")) Console.WriteLine("gid=" + string.Join(' ', f.Skip(1)));
                else if (line.StartsWith("Groups:")) Console.WriteLine("groups=" + string.Join(' ', f.Skip(1)).Trim());
                else if (line.StartsWith("Cap")) Console.WriteLine(line);
            }
            Console.WriteLine("roottasks=" + rootTasks);
            CommandResult ip = CommandRunner.Host.Run("ip", ["link", "set", "lo", "mtu", "60000"]);
            Console.WriteLine("ipexit=" + ip.ExitCode + " " + ip.StandardError.Trim());
            return 0;
            """);
        CommandResult build = CommandRunner.Host.Run("dotnet", ["build", dir, "-o", Path.Combine(dir, "out"), "--nologo", "-v", "q"]);
        Assert.True(build.Succeeded, build.StandardOutput + build.StandardError);
        return Path.Combine(dir, "out", "svdrophelper.dll");
    }
}
