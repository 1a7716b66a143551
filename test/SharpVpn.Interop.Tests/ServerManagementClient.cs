using System.Net.Sockets;
using System.Text;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// A minimal OpenVPN management-interface client over a unix socket (a path, so it works across network namespaces):
/// sends one command and reads its reply (one SUCCESS/ERROR line, or lines up to END).
/// </summary>
internal sealed class ServerManagementClient : IDisposable
{
    private readonly Socket _socket;
    private readonly StreamReader _reader;
    private readonly StreamWriter _writer;

    private ServerManagementClient(Socket socket)
    {
        _socket = socket;
        var stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new StreamReader(stream, Encoding.ASCII);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
    }

    /// <summary>Connects and reads the greeting (answering the password prompt if <paramref name="password"/> is given).</summary>
    public static async Task<ServerManagementClient> ConnectAsync(string socketPath, string? password = null)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var client = new ServerManagementClient(socket);
        if (password is not null)
        {
            var prompt = new char[15];
            await client._reader.ReadBlockAsync(prompt, 0, prompt.Length);
            Assert.Equal("ENTER PASSWORD:", new string(prompt));
            await client._writer.WriteLineAsync(password);
            Assert.Equal("SUCCESS: password is correct", await client._reader.ReadLineAsync());
        }

        string? greeting = await client._reader.ReadLineAsync();
        Assert.StartsWith(">INFO:OpenVPN Management Interface Version 5", greeting, StringComparison.Ordinal);
        return client;
    }

    /// <summary>Sends <paramref name="command"/>; returns the reply lines (real-time '>' lines skipped).</summary>
    public async Task<IReadOnlyList<string>> CommandAsync(string command, bool multiLine = false)
    {
        await _writer.WriteLineAsync(command);
        var lines = new List<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            string? line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("management connection closed");
            if (line.StartsWith('>'))
            {
                continue;
            }

            lines.Add(line);
            if (line == "END" || (!multiLine && (line.StartsWith("SUCCESS:", StringComparison.Ordinal) || line.StartsWith("ERROR:", StringComparison.Ordinal))))
            {
                return lines;
            }
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _writer.Dispose();
        _socket.Dispose();
    }
}
