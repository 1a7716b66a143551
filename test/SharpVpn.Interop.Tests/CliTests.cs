using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>The <c>sharpvpn</c> executable as a user meets it: help, version, and usage errors (exit 1, one line on stderr).</summary>
public sealed class CliTests
{
    private static readonly string[] Groups = ["pki", "genkey", "server", "client", "profile", "quickstart", "demo"];

    [Fact]
    public async Task Help_ListsEveryCommandGroup()
    {
        CommandResult result = await RunCliAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (string group in Groups)
        {
            Assert.Matches($@"(?m)^\s+{group}\s", result.StdOut);
        }
    }

    [Theory]
    [InlineData("pki")]
    [InlineData("genkey")]
    [InlineData("server")]
    [InlineData("client")]
    [InlineData("profile")]
    [InlineData("quickstart")]
    [InlineData("demo")]
    public async Task Help_OnEachGroup_PrintsUsageAndSucceeds(string group)
    {
        CommandResult result = await RunCliAsync(group, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"sharpvpn {group}", result.StdOut, StringComparison.Ordinal);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public async Task Version_PrintsVersionAndSucceeds()
    {
        CommandResult result = await RunCliAsync("--version");

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^\d+\.\d+\.\d+", result.StdOut);
    }

    [Theory]
    [InlineData("no-such-command")]
    [InlineData("--no-such-option")]
    [InlineData("server", "--no-such-option")]
    [InlineData("quickstart", "--no-start", "--proto", "tcp", "--port-share", "web.example")]
    public async Task UsageError_IsOneLineOnStderr_WithExitCode1(params string[] args)
    {
        CommandResult result = await RunCliAsync(args);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StdOut);
        string[] lines = result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string line = Assert.Single(lines);
        Assert.StartsWith("sharpvpn: ", line, StringComparison.Ordinal);
        Assert.Contains(args[^1], line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
    }

    private static Task<CommandResult> RunCliAsync(params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(args);
        return ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(60), CancellationToken.None);
    }
}
