using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Platform.Transport;

/// <summary>The server's listening TCP socket; each accepted connection becomes a <see cref="TcpTransport"/>.</summary>
public sealed class TcpListenerTransport : IDisposable
{
    private readonly Socket _socket;
    private readonly int _maxPacketSize;

    /// <summary>Warnings from mark / bind-dev refused by the kernel, for the log.</summary>
    public IReadOnlyList<string> LinkWarnings { get; } = [];

    /// <summary>Listens on <paramref name="localEndPoint"/> (an IPv6 wildcard also accepts IPv4).</summary>
    public TcpListenerTransport(IPEndPoint localEndPoint, int backlog = 128, int maxPacketSize = TcpTransport.DefaultMaxPacketSize,
        LinkSocketOptions? link = null)
    {
        _maxPacketSize = maxPacketSize;
        _socket = new Socket(localEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (localEndPoint.AddressFamily == AddressFamily.InterNetworkV6 && localEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                _socket.DualMode = true;
            }
            _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            // Accepted connections inherit the listener's mark and device binding.
            LinkWarnings = link?.ApplyTo((int)_socket.Handle) ?? [];
            try
            {
                _socket.Bind(localEndPoint);
            }
            catch (SocketException ex)
            {
                throw new SocketException((int)ex.SocketErrorCode, $"Cannot listen on TCP {localEndPoint}: {ex.Message}");
            }
            _socket.Listen(backlog);
            LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        }
        catch
        {
            _socket.Dispose();
            throw;
        }
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Blocks for the next connection. Throws <see cref="ObjectDisposedException"/> or <see cref="SocketException"/> once disposed.</summary>
    public TcpTransport Accept() => new(_socket.Accept(), _maxPacketSize);

    /// <summary>Waits for the next connection; cancel or dispose to stop.</summary>
    public async ValueTask<TcpTransport> AcceptAsync(CancellationToken cancellationToken = default)
    {
        Socket accepted = await _socket.AcceptAsync(cancellationToken).ConfigureAwait(false);
        return new TcpTransport(accepted, _maxPacketSize);
    }

    public void Dispose() => _socket.Dispose();
}
