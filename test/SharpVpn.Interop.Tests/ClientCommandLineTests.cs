using SharpVpn.Cli;
using SharpVpn.ClientCli;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>sharpvpn-client</c>'s command line (<see cref="ClientCommandLine"/>, parsed by <see cref="TunnelOptions"/>): what it accepts, and one sentence naming
/// the word for each mistake (exit 1 through <see cref="CommandExit"/>, run as a process in TunnelCommandLineTests).
/// </summary>
public sealed class ClientCommandLineTests
{
    [Theory]
    [InlineData(new[] { "--config", "a.ovpn" }, "a.ovpn", null, false)]
    [InlineData(new[] { "--config=a b.ovpn", "--verb=4" }, "a b.ovpn", 4, false)]
    [InlineData(new[] { "--verbose", "--verb", "0", "--config", "c.conf" }, "c.conf", 0, true)]
    [InlineData(new[] { "--config", "x.conf", "--verb", "12" }, "x.conf", 12, false)] // refused by the client, as in sharpvpn
    public void Accepted(string[] args, string config, int? verb, bool verbose)
    {
        TunnelOptions line = Parse(args);

        Assert.Equal(new TunnelOptions(config, verb, verbose, Help: false, Version: false), line);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("-?")]
    public void Help_NeedsNoConfig(string word) => Assert.True(Parse([word]).Help);

    [Fact]
    public void Version_NeedsNoConfig_AndIsTheAssemblysVersion()
    {
        Assert.True(Parse(["--version"]).Version);
        Assert.Matches(@"^\d+\.\d+\.\d+", ClientCommandLine.VersionText);
    }

    [Theory]
    [InlineData(new string[0], "Option '--config' is required. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--verb", "3" }, "Option '--config' is required. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config" }, "Required argument missing for option: '--config'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config=" }, "Required argument missing for option: '--config'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config", "--verb", "3" }, "Required argument missing for option: '--config'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config", "a.conf", "--config", "b.conf" }, "Option '--config' expects a single argument but 2 were provided. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config", "a.conf", "--verb", "three" }, "--verb expects a number 0..11, not 'three'.")]
    [InlineData(new[] { "--config", "a.conf", "--verb", "99999999999" }, "--verb expects a number 0..11, not '99999999999'.")]
    [InlineData(new[] { "--config", "a.conf", "--verbose", "--verbose" }, "Option '--verbose' expects a single argument but 2 were provided. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "client", "--config", "a.conf" }, "Unrecognized command or argument 'client'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--config", "a.conf", "extra" }, "Unrecognized command or argument 'extra'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--CONFIG", "a.conf" }, "Unrecognized command or argument '--CONFIG'. (see 'sharpvpn-client --help')")]
    [InlineData(new[] { "--verbose=true", "--config", "a.conf" }, "Unrecognized command or argument '--verbose=true'. (see 'sharpvpn-client --help')")]
    public void Mistakes_AreOneSentenceNamingTheWord(string[] args, string message)
    {
        UsageException error = Assert.Throws<UsageException>(() => Parse(args));
        Assert.Equal(message, error.Message);
    }

    /// <summary>sharpvpn-client's parse (Program.Main): its options, or the usage error it exits 1 with.</summary>
    internal static TunnelOptions Parse(IReadOnlyList<string> args) =>
        TunnelOptions.TryParse(args, 0, ClientCommandLine.Name, out TunnelOptions? options, out string? mistake)
            ? options : throw new UsageException(mistake);
}
