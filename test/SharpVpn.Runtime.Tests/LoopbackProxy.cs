using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Runtime.Tests;

/// <summary>
/// A connected loopback TCP pair for the proxy handshake tests: <see cref="Client"/> is handed to the handshake, the
/// other end plays a scripted proxy that sends its whole side at once and reads what the client sent.
/// </summary>
internal sealed class LoopbackProxy : IDisposable
{
    private readonly Socket _proxy;

    public LoopbackProxy()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        Client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        Client.Connect(listener.LocalEndPoint!);
        _proxy = listener.Accept();
        _proxy.ReceiveTimeout = 5000;
    }

    public Socket Client { get; }

    /// <summary>The proxy's side of the exchange; <paramref name="thenClose"/> ends its sending half afterwards.</summary>
    public void Answers(byte[] bytes, bool thenClose = false)
    {
        _proxy.Send(bytes);
        if (thenClose)
        {
            _proxy.Shutdown(SocketShutdown.Send);
        }
    }

    /// <summary>Exactly <paramref name="count"/> bytes the client sent.</summary>
    public byte[] Received(int count) => ReadExactly(_proxy, count);

    /// <summary>What the client sent up to and with the first <paramref name="end"/> marker.</summary>
    public byte[] ReceivedThrough(ReadOnlySpan<byte> end)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (bytes.Count < end.Length || !end.SequenceEqual(bytes.ToArray().AsSpan(bytes.Count - end.Length)))
        {
            Assert.True(_proxy.Receive(one) == 1, "the client closed before ending its request");
            bytes.Add(one[0]);
        }

        return [.. bytes];
    }

    /// <summary>Bytes the client's socket still holds after the handshake (the server's stream).</summary>
    public byte[] ClientReads(int count)
    {
        Client.ReceiveTimeout = 5000;
        return ReadExactly(Client, count);
    }

    private static byte[] ReadExactly(Socket socket, int count)
    {
        var buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = socket.Receive(buffer, got, count - got, SocketFlags.None);
            Assert.True(n > 0, "the other side closed early");
            got += n;
        }

        return buffer;
    }

    public void Dispose()
    {
        Client.Dispose();
        _proxy.Dispose();
    }
}
