using System.CommandLine;
using SharpVpn.Cli;
using ClientCommandLine = SharpVpn.ClientCli.ClientCommandLine;
using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The tunnel commands' quick command-line path (<see cref="TunnelCommandLine"/>) against System.CommandLine, which
/// parses everything else: wherever the quick path answers, the full parser must give the same command and values,
/// and <c>sharpvpn-client</c>'s own parser (<see cref="ClientCommandLine"/>) gives the same values for the client's lines.
/// </summary>
public sealed class TunnelCommandLineTests
{
    private static readonly string[][] AcceptedLines =
    [
        ["client", "--config", "client.ovpn"],
        ["server", "--config", "/etc/openvpn/server.conf"],
        ["client", "--config", "a b.ovpn", "--verb", "4"],
        ["client", "--verb", "0", "--config", "c.conf"],
        ["server", "--config", "s.conf", "--verbose"],
        ["server", "--verbose", "--verb", "11", "--config", "s.conf"],
        ["client", "--config", "client", "--verb", "007"],
        ["client", "--config=c.conf"],
        ["server", "--verb=3", "--config=/etc/openvpn/server.conf"],
        // Out of range: both paths hand 12 to the command, which refuses it (a test below runs that).
        ["client", "--config", "x.conf", "--verb", "12"],
    ];

    public static TheoryData<string[]> Accepted => new(AcceptedLines);

    /// <summary>The accepted client lines; sharpvpn-client takes them without the word 'client'.</summary>
    public static TheoryData<string[]> AcceptedClientLines => new(AcceptedLines.Where(line => line[0] == "client"));

    public static TheoryData<string[]> Declined => new()
    {
        { ["client"] },
        { ["client", "--help"] },
        { ["server", "--config", "s.conf", "--version"] },
        { ["client", "--config", "a.conf", "@more.rsp"] },
        { ["client", "--config"] },
        { ["client", "--config", "--verb", "3"] },
        { ["client", "--config:c.conf"] },
        { ["client", "--config", "@args.rsp"] },
        { ["client", "--config", "a.conf", "--config", "b.conf"] },
        { ["client", "--config", "a.conf", "--verb"] },
        { ["client", "--config", "a.conf", "--verb", "-1"] },
        { ["client", "--config", "a.conf", "--verb", "three"] },
        { ["client", "--config", "a.conf", "--verb", "99999999999"] },
        { ["client", "--config", "a.conf", "--verbose", "false"] },
        { ["client", "--config", "a.conf", "extra"] },
        { ["client", "--config", "a.conf", "--"] },
        { ["client", "--verb", "3"] },
        { ["server", "--CONFIG", "s.conf"] },
        { ["--verbose", "client", "--config", "c.conf"] },
        { ["pki", "--config", "c.conf"] },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Accepted_GivesWhatSystemCommandLineGives(string[] args)
    {
        Assert.True(TunnelCommandLine.TryParse(args, out TunnelCommandLine? quick));

        ParseResult full = Program.BuildRootCommand().Parse(args);
        Assert.Empty(full.Errors);
        Command command = full.CommandResult.Command;
        Assert.Equal(command.Name, quick.Command);
        Assert.Equal(full.GetValue<string>("--config"), quick.ConfigPath);
        Assert.Equal(full.GetValue<int?>("--verb"), quick.Verb);
        Assert.Equal(full.GetValue<bool>("--verbose"), quick.Verbose);
    }

    [Theory]
    [MemberData(nameof(AcceptedClientLines))]
    public void Accepted_ClientLine_GivesWhatSharpVpnClientsParserGives(string[] args)
    {
        Assert.True(TunnelCommandLine.TryParse(args, out TunnelCommandLine? quick));

        TunnelOptions line = ClientCommandLineTests.Parse(args[1..]);
        Assert.Equal(quick.ConfigPath, line.ConfigPath);
        Assert.Equal(quick.Verb, line.Verb);
        Assert.Equal(quick.Verbose, line.Verbose);
        Assert.False(line.Help || line.Version);
    }

    [Theory]
    [MemberData(nameof(Declined))]
    public void Declined_LeavesTheLineToSystemCommandLine(string[] args)
    {
        Assert.False(TunnelCommandLine.TryParse(args, out TunnelCommandLine? quick));
        Assert.Null(quick);
    }

    [Theory]
    [InlineData("client")]
    [InlineData("server")]
    public async Task QuickPath_MissingConfigFile_IsAUsageErrorNamingIt(string command)
    {
        string missing = Path.Combine(Path.GetTempPath(), $"sharpvpn-missing-{Guid.NewGuid():N}.conf");
        CommandResult result = await RunCliAsync(command, "--config", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"sharpvpn: Config file '{missing}' does not exist.", result.StdErr.Trim());
    }

    [Fact]
    public async Task QuickPath_VerbOutOfRange_IsAUsageError()
    {
        CommandResult result = await RunCliAsync("client", "--config", "x.conf", "--verb", "12");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("sharpvpn: --verb 12 is outside 0..11.", result.StdErr.Trim());
    }

    [Fact]
    public async Task QuickPath_InvalidConfig_FailsWithExit2AndTheFileLine_StackTraceOnlyWithVerbose()
    {
        string dir = Directory.CreateTempSubdirectory("sharpvpn-cli-").FullName;
        try
        {
            string config = Path.Combine(dir, "bad.conf");
            await File.WriteAllTextAsync(config, "client\nno-such-option 1\n");

            CommandResult plain = await RunCliAsync("client", "--config", config);
            CommandResult verbose = await RunCliAsync("client", "--config", config, "--verbose");

            Assert.Equal(2, plain.ExitCode);
            Assert.StartsWith("sharpvpn: ", plain.StdErr, StringComparison.Ordinal);
            Assert.Contains($"{config}:2", plain.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", plain.StdErr, StringComparison.Ordinal);
            Assert.Equal(2, verbose.ExitCode);
            Assert.Contains("   at ", verbose.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task SharpVpnClient_MissingConfigFile_IsAUsageErrorNamingIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"sharpvpn-missing-{Guid.NewGuid():N}.conf");
        CommandResult result = await RunClientAsync("--config", missing);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"sharpvpn-client: Config file '{missing}' does not exist.", result.StdErr.Trim());
    }

    [Fact]
    public async Task SharpVpnClient_AWordOfSharpVpn_IsAUsageErrorPointingToItsHelp()
    {
        CommandResult result = await RunClientAsync("client", "--config", "c.conf");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("sharpvpn-client: Unrecognized command or argument 'client'. (see 'sharpvpn-client --help')", result.StdErr.Trim());
    }

    [Fact]
    public async Task SharpVpnClient_Help_ListsTheClientsOptions()
    {
        CommandResult result = await RunClientAsync("--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(ClientCommandLine.HelpText, result.StdOut);
        Assert.Contains("sharpvpn-client --config <file> [options]", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("--verb <n>", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SharpVpnClient_InvalidConfig_FailsWithExit2AndTheFileLine_StackTraceOnlyWithVerbose()
    {
        string dir = Directory.CreateTempSubdirectory("sharpvpn-cli-").FullName;
        try
        {
            string config = Path.Combine(dir, "bad.conf");
            await File.WriteAllTextAsync(config, "client\nno-such-option 1\n");

            CommandResult result = await RunClientAsync("--config", config);
            CommandResult verbose = await RunClientAsync("--verbose", "--config", config);

            Assert.Equal(2, result.ExitCode);
            Assert.StartsWith("sharpvpn-client: ", result.StdErr, StringComparison.Ordinal);
            Assert.Contains($"{config}:2", result.StdErr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.StdErr, StringComparison.Ordinal);
            Assert.Equal(2, verbose.ExitCode);
            Assert.Contains("   at ", verbose.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Task<CommandResult> RunClientAsync(params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.ClientInvocation(args);
        return ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    private static Task<CommandResult> RunCliAsync(params string[] args)
    {
        (string file, string[] fullArgs) = SharpVpnCli.Invocation(args);
        return ProcessRunner.RunAsync(file, fullArgs, TimeSpan.FromSeconds(60), CancellationToken.None);
    }
}
