using System.Net.Sockets;
using System.Text;

namespace SharpVpn.Platform.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: one datagram to the unix socket named by $NOTIFY_SOCKET
/// (a path, or an abstract name when it starts with '@'). Does nothing when the variable is unset,
/// so the same server code runs under systemd (Type=notify) and from a terminal.
/// </summary>
public static class SystemdNotify
{
    public const string EnvironmentVariable = "NOTIFY_SOCKET";

    /// <summary>True when started by systemd with a notify socket.</summary>
    public static bool IsAvailable => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary>READY=1: start-up finished (after "Initialization Sequence Completed").</summary>
    public static bool Ready() => Notify("READY=1");

    /// <summary>STOPPING=1: clean shutdown began.</summary>
    public static bool Stopping() => Notify("STOPPING=1");

    /// <summary>RELOADING=1 (SIGHUP reload); send <see cref="Ready"/> when done.</summary>
    public static bool Reloading() => Notify("RELOADING=1");

    /// <summary>STATUS=...: one line shown by <c>systemctl status</c>.</summary>
    public static bool Status(string text) => Notify("STATUS=" + text.ReplaceLineEndings(" "));

    /// <summary>
    /// Sends <paramref name="state"/> (newline-separated assignments) to <paramref name="socketPath"/>,
    /// or to $NOTIFY_SOCKET when null. Returns false when there is no socket; failures to send are
    /// returned as false too (systemd may be gone during shutdown; the service must not fail for that).
    /// </summary>
    public static bool Notify(string state, string? socketPath = null)
    {
        socketPath ??= Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(socketPath))
        {
            return false;
        }
        if (socketPath[0] == '@')
        {
            socketPath = "\0" + socketPath[1..];
        }
        else if (socketPath[0] != '/')
        {
            return false; // sd_notify accepts only absolute paths or abstract names (vsock is not supported here).
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            socket.Send(Encoding.UTF8.GetBytes(state));
            return true;
        }
        catch (SocketException)
        {
            // No listener (systemd restarting or the unit not Type=notify): readiness is best effort.
            return false;
        }
    }
}
