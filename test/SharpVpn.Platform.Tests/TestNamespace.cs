using System.Diagnostics;
using SharpVpn.Platform;
using SharpVpn.Platform.Network;

namespace SharpVpn.Platform.Tests;

/// <summary>
/// A throwaway network namespace "sv&lt;pid&gt;x&lt;n&gt;" with loopback up, deleted on dispose
/// (which also destroys every interface inside it). All traffic of these tests stays in here.
/// </summary>
internal sealed class TestNamespace : IDisposable
{
    private static int s_counter;

    public TestNamespace()
    {
        Name = $"sv{Environment.ProcessId}x{Interlocked.Increment(ref s_counter)}";
        CommandRunner.Host.RunChecked("ip", ["netns", "add", Name]);
        Runner = new CommandRunner(Name);
        Runner.RunChecked("ip", ["link", "set", "lo", "up"]);
    }

    public string Name { get; }

    /// <summary>Runs commands inside this namespace.</summary>
    public CommandRunner Runner { get; }

    public string Ip(params string[] args) => Runner.RunChecked("ip", args);

    public T Run<T>(Func<T> action) => NetworkNamespace.Run(Name, action);

    /// <summary>Starts a process inside the namespace (ip netns exec), output captured.</summary>
    public Process Start(string program, params string[] args)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])["netns", "exec", Name, program, .. args])
        {
            info.ArgumentList.Add(a);
        }
        return Process.Start(info)!;
    }

    public void Dispose() => CommandRunner.Host.Run("ip", ["netns", "delete", Name]);
}
