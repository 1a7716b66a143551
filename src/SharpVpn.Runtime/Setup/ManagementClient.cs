using System.Net.Sockets;
using System.Text;

namespace SharpVpn.Runtime.Setup;

/// <summary>
/// A one-shot client for the OpenVPN management interface on a unix socket: connect, skip the
/// <c>&gt;INFO</c> greeting and other real-time lines, send one command, return its
/// <c>SUCCESS:</c>/<c>ERROR:</c> line (openvpn management-notes.txt).
/// </summary>
public static class ManagementClient
{
    /// <summary>Sends <paramref name="command"/>; returns the reply line, or null when no server answers on the socket.</summary>
    public static string? TrySend(string socketPath, string command, TimeSpan? timeout = null)
    {
        if (!File.Exists(socketPath))
        {
            return null;
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            return SendAsync(socketPath, command, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Sends a multi-line command such as <c>status 2</c>; returns its lines up to <c>END</c>, or null when no server answers.</summary>
    public static string? TryQuery(string socketPath, string command, TimeSpan? timeout = null)
    {
        if (!File.Exists(socketPath))
        {
            return null;
        }

        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(3));
        try
        {
            return QueryAsync(socketPath, command, cts.Token).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    private static async Task<string?> QueryAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken);
        var sb = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith('>'))
            {
                continue;
            }

            if (line.StartsWith("ERROR:", StringComparison.Ordinal))
            {
                return null;
            }

            if (line == "END")
            {
                await stream.WriteAsync("quit\n"u8.ToArray(), cancellationToken);
                return sb.Append("END\n").ToString();
            }

            sb.Append(line).Append('\n');
        }

        return null;
    }

    private static async Task<string?> SendAsync(string socketPath, string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("SUCCESS:", StringComparison.Ordinal) || line.StartsWith("ERROR:", StringComparison.Ordinal))
            {
                await stream.WriteAsync("quit\n"u8.ToArray(), cancellationToken);
                return line;
            }
        }

        return null;
    }
}
