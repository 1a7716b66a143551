using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// Issue 6 "Done when": <c>sharpvpn demo</c> runs the tutorial (ping fails before, works after, with our client and
/// with the real openvpn client) and leaves no namespaces or processes behind, also when interrupted by SIGINT.
/// </summary>
[Trait("Category", "Interop")]
public sealed partial class DemoTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromSeconds(150);

    [Theory]
    [InlineData("sharpvpn")]
    [InlineData("openvpn")]
    public async Task Demo_PassesAndLeavesNoNamespacesOrProcesses(string client)
    {
        Prerequisites.EnsureLabCanRun();
        using var demo = new DemoChild(output, "demo", "--client", client);
        int exit = await demo.WaitForExitAsync(DemoTimeout);
        string text = demo.Output;

        Assert.True(exit == 0, $"demo exited with {exit}:\n{text}");
        Assert.Contains("✘ Client pings the intranet host 192.168.1.1 (no tunnel yet)", text, StringComparison.Ordinal);
        Assert.Contains("✔ Client pings the intranet host 192.168.1.1 through the tunnel", text, StringComparison.Ordinal);
        Assert.Contains("Initialization Sequence Completed", text, StringComparison.Ordinal);
        Assert.Matches(@"Client's VPN address: 10\.8\.0\.\d+/24", text);
        Assert.Contains("client1", text, StringComparison.Ordinal);
        Assert.Contains("Server status", text, StringComparison.Ordinal);
        demo.AssertNothingLeft();
    }

    [Theory]
    [InlineData("✔ Building the tutorial's three hosts")]
    [InlineData("✔ Starting the VPN server")]
    [InlineData("✔ Connecting the client")]
    public async Task Demo_InterruptedBySigint_RemovesEverything(string interruptAfter)
    {
        Prerequisites.EnsureLabCanRun();
        // --pause holds the demo after each step, so the interrupt lands mid-run even when this test reads the demo's
        // output late (a busy machine) and the remaining steps would otherwise finish first.
        using var demo = new DemoChild(output, "demo", "--pause", "3");
        Assert.True(await demo.WaitForOutputAsync(interruptAfter, TimeSpan.FromSeconds(90)), demo.Output);
        Assert.Equal(0, Kill(demo.Pid, 2));

        int exit = await demo.WaitForExitAsync(TimeSpan.FromSeconds(60));
        output.WriteLine(demo.Output);
        Assert.NotEqual(0, exit);
        Assert.Contains("interrupted", demo.Output, StringComparison.Ordinal);
        demo.AssertNothingLeft();
    }

    [Fact]
    public async Task Demo_KilledWithSigkill_TheNextDemoSweepsWhatItLeft()
    {
        Prerequisites.EnsureLabCanRun();
        int killedPid;
        using (var first = new DemoChild(output, "demo"))
        {
            Assert.True(await first.WaitForOutputAsync("✔ Connecting the client", TimeSpan.FromSeconds(90)), first.Output);
            killedPid = first.Pid;
            Assert.Equal(0, Kill(first.Pid, 9));
            await first.WaitForExitAsync(TimeSpan.FromSeconds(20));
            // No handler runs on SIGKILL: the namespaces (and the server and client in them) are still there.
            Assert.True(File.Exists($"/run/netns/sv{killedPid.ToString(CultureInfo.InvariantCulture)}-srv"));
        }

        using var second = new DemoChild(output, "demo");
        Assert.Equal(0, await second.WaitForExitAsync(DemoTimeout));
        DemoChild.AssertNothingLeftFor(killedPid);
        second.AssertNothingLeft();
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary><c>sharpvpn demo</c> as a child process of the test (in the root namespace, as a user runs it).</summary>
    private sealed class DemoChild : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly ITestOutputHelper _log;

        public DemoChild(ITestOutputHelper log, params string[] args)
        {
            _log = log;
            (string file, string[] fullArgs) = SharpVpnCli.Invocation(args);
            // Started through env(1) with SIGINT at its default: a test run started in the background by a shell
            // (nohup, `cmd &` in a script) inherits SIGINT ignored, which a demo honours as any program does, and the
            // interrupt test would then test nothing. env execs the demo, so the PID stays the demo's.
            var psi = new ProcessStartInfo("env")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--default-signal=INT");
            psi.ArgumentList.Add(file);
            foreach (string a in fullArgs)
            {
                psi.ArgumentList.Add(a);
            }

            _process = new Process { StartInfo = psi };
            _process.OutputDataReceived += (_, e) => Append(e.Data);
            _process.ErrorDataReceived += (_, e) => Append(e.Data);
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            Pid = _process.Id;
        }

        public int Pid { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public async Task<bool> WaitForOutputAsync(string text, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < timeout && !_process.HasExited)
            {
                if (Output.Contains(text, StringComparison.Ordinal))
                {
                    return true;
                }

                await Task.Delay(50);
            }

            return Output.Contains(text, StringComparison.Ordinal);
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"demo did not finish within {timeout.TotalSeconds} s:\n{Output}");
            }

            _process.WaitForExit();
            return _process.ExitCode;
        }

        /// <summary>No sv{pid}-* namespace, no process started by the demo, no work dir.</summary>
        public void AssertNothingLeft() => AssertNothingLeftFor(Pid);

        public static void AssertNothingLeftFor(int pid)
        {
            string prefix = "sv" + pid.ToString(CultureInfo.InvariantCulture);
            string[] namespaces = Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(f => Path.GetFileName(f)!).ToArray() : [];
            Assert.DoesNotContain(namespaces, n => n.StartsWith(prefix + "-", StringComparison.Ordinal));
            string workDir = Path.Combine(Path.GetTempPath(), $"sharpvpn-demo-{prefix}");
            Assert.False(Directory.Exists(workDir), $"{workDir} is left behind");
            var leftovers = new List<string>();
            foreach (string proc in Directory.GetDirectories("/proc"))
            {
                try
                {
                    string cmdline = File.ReadAllText(Path.Combine(proc, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains(workDir, StringComparison.Ordinal) || cmdline.Contains($"netns exec {prefix}-", StringComparison.Ordinal))
                    {
                        leftovers.Add($"{Path.GetFileName(proc)}: {cmdline}");
                    }
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }

            Assert.True(leftovers.Count == 0, "processes left behind:\n" + string.Join('\n', leftovers));
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _log.WriteLine(Output);
            _process.Dispose();
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.Append(line).Append('\n');
                }
            }
        }
    }
}
