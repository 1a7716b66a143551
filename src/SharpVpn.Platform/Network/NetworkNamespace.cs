using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Network;

/// <summary>
/// Runs code on a thread that has joined a named network namespace (/var/run/netns/NAME, as made by
/// <c>ip netns add</c>). setns(CLONE_NEWNET) affects only the calling thread, so the rest of the process
/// stays where it was; sockets and TUN devices created inside belong to that namespace for good.
/// Used by tests and the demo lab to keep traffic off the host.
/// </summary>
public static class NetworkNamespace
{
    public static T Run<T>(string name, Func<T> action)
    {
        InterfaceName.Validate(name, "Network namespace");
        string path = "/var/run/netns/" + name;
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter(path);
                result = action();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        })
        { IsBackground = true, Name = "netns " + name };
        thread.Start();
        thread.Join();
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failure).Throw();
        }
        return result;
    }

    public static void Run(string name, Action action) => Run(name, () =>
    {
        action();
        return 0;
    });

    private static void Enter(string path)
    {
        int fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"Cannot open network namespace {path}: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
        }
        try
        {
            if (LibC.SetNs(fd, LibC.CLONE_NEWNET) != 0)
            {
                throw new IOException($"Cannot enter network namespace {path}: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }
}
