using System.Diagnostics;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// The executables SharpVPN ships, <c>sharpvpn</c> and <c>sharpvpn-client</c>, are Native AOT builds (README,
/// scripts/demo.sh), with native start-up code of their own (OpenSSL preload, the runtime data mapped before the
/// runtime starts) that the other tests, which run <c>dotnet sharpvpn.dll</c>, never execute. These publish them once,
/// exactly as the README does, and run them against the real openvpn 2.6 both ways.
/// </summary>
[Trait("Category", "Interop")]
public sealed class NativeAotInteropTests(NativeAotInteropTests.PublishedExecutable published, ITestOutputHelper output)
    : IClassFixture<NativeAotInteropTests.PublishedExecutable>
{
    private static readonly TimeSpan StartTimeout = ClientScenario.StartTimeout;

    [Theory]
    [InlineData("sharpvpn")]
    [InlineData("sharpvpn-client")]
    public async Task AotClient_ToTheRealOpenVpnServer_ReachesTheIntranet(string executable)
    {
        Prerequisites.EnsureLabCanRun();
        await using ClientScenario s = await ClientScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern);
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern);
        string[] args = executable == "sharpvpn" ? ["client", "--config", config.ConfigPath] : ["--config", config.ConfigPath];
        LabProcess ours = s.Lab.StartProcess(s.Lab.Client, published.PathOf(executable), args, followFile: config.LogPath);
        await using (ours)
        {
            await ours.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            // The start-up line's .NET version comes from the build under AOT (BuildInfo), not from reflection.
            Assert.Matches(@"SharpVPN \S+ client \(OpenVPN 2\.6 compatible\) \[\.NET \d+\.\d+\.\d+", ours.Output);
            PingResult ping = await s.Lab.PingAsync(s.Lab.Client, ScenarioLab.IntranetAddress, count: 3);
            Assert.True(ping.AllReceived, ping + "\n" + ours.Tail());
            await ours.StopAsync();
            Assert.Equal(0, ours.ExitCode);
        }
    }

    [Fact]
    public async Task AotServer_TheRealOpenVpnClientReachesTheIntranet()
    {
        Prerequisites.EnsureLabCanRun();
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnConfigFile config = OpenVpnConfigs.WriteServer(Path.Combine(s.Lab.WorkDir, "server"), s.Pki, OpenVpnVariant.Modern);
        await s.Lab.ApplyMasqueradeAsync();
        LabProcess server = s.Lab.StartProcess(s.Lab.Server, published.PathOf("sharpvpn"), ["server", "--config", config.ConfigPath], followFile: config.LogPath);
        await using (server)
        {
            await server.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout);
            LabProcess real = await s.ConnectRealClientAsync();
            await s.AssertIntranetReachableAsync();
            await real.StopAsync();
            await server.StopAsync();
            Assert.Equal(0, server.ExitCode);
        }
    }

    /// <summary>
    /// <c>dotnet publish src/SharpVpn.Cli</c> and <c>src/SharpVpn.ClientCli</c> <c>-c Release -r linux-x64
    /// --self-contained</c> (the README's build) into a temporary directory, once for the class; removed afterwards.
    /// </summary>
    public sealed class PublishedExecutable : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("sharpvpn-aot-test-").FullName;
        private readonly string _output;

        public PublishedExecutable()
        {
            string repo = FindRepositoryRoot();
            _output = System.IO.Path.Combine(_dir, "out");
            foreach ((string project, string executable) in new[] { ("SharpVpn.Cli", "sharpvpn"), ("SharpVpn.ClientCli", "sharpvpn-client") })
            {
                Publish(repo, project, executable);
            }
        }

        /// <summary>The published executable <paramref name="name"/> (sharpvpn or sharpvpn-client).</summary>
        public string PathOf(string name) => System.IO.Path.Combine(_output, name);

        private void Publish(string repo, string project, string executable)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = repo,
            };
            foreach (string arg in new[]
                     {
                         "publish", System.IO.Path.Combine(repo, "src", project), "-c", "Release", "-r", "linux-x64", "--self-contained",
                         "-o", _output, "--artifacts-path", System.IO.Path.Combine(_dir, "artifacts"), "-nologo", "-v", "q",
                         "--disable-build-servers",
                     })
            {
                start.ArgumentList.Add(arg);
            }
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using Process publish = Process.Start(start) ?? throw new InvalidOperationException("dotnet publish did not start");
            Task<string> stdout = publish.StandardOutput.ReadToEndAsync();
            Task<string> stderr = publish.StandardError.ReadToEndAsync();
            if (!publish.WaitForExit(TimeSpan.FromMinutes(8)))
            {
                publish.Kill(entireProcessTree: true);
                throw new TimeoutException($"dotnet publish of the Native AOT {executable} took more than 8 minutes");
            }
            if (publish.ExitCode != 0 || !File.Exists(PathOf(executable)))
            {
                throw new InvalidOperationException($"dotnet publish (Native AOT {executable}) failed with {publish.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
            }
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is not a test failure.
            }
        }

        private static string FindRepositoryRoot()
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "SharpVpn.slnx")))
                {
                    return dir.FullName;
                }
            }
            throw new InvalidOperationException($"no SharpVpn.slnx above {AppContext.BaseDirectory}");
        }
    }
}
