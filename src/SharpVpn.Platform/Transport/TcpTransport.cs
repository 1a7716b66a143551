using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// One OpenVPN-over-TCP connection (client side from <see cref="Connect"/>, server side from
/// <see cref="TcpListenerTransport.Accept"/>): whole packets in and out, framed with the 2-byte
/// big-endian length (<see cref="TcpFrameReader"/>). Receive from one thread; sends are serialised
/// by a lock and each packet (or batch) goes out in one send call with its header.
/// </summary>
public sealed class TcpTransport : IPacketLink
{
    /// <summary>Larger than any packet OpenVPN sends with the usual MTUs (tun-mtu 1500 + overhead), with margin for jumbo tun-mtu.</summary>
    public const int DefaultMaxPacketSize = 16384;

    private readonly Socket _socket;
    private readonly TcpFrameReader _reader;
    private readonly byte[] _sendBuffer;
    private readonly Lock _sendLock = new();
    private volatile bool _disposed;

    /// <summary>Wraps a connected stream socket (server: an accepted one).</summary>
    public TcpTransport(Socket connected, int maxPacketSize = DefaultMaxPacketSize)
    {
        _socket = connected;
        _socket.NoDelay = true;
        _reader = new TcpFrameReader(maxPacketSize);
        _sendBuffer = new byte[Math.Max(64 * 1024, maxPacketSize + 2)];
        RemoteEndPoint = (IPEndPoint)connected.RemoteEndPoint!;
        LocalEndPoint = (IPEndPoint)connected.LocalEndPoint!;
    }

    /// <summary>Client: connects to <paramref name="remote"/> within <paramref name="timeout"/>.</summary>
    /// <exception cref="SocketException">Refused, unreachable or timed out; the message names the endpoint.</exception>
    public static TcpTransport Connect(IPEndPoint remote, TimeSpan timeout, IPEndPoint? local = null, int maxPacketSize = DefaultMaxPacketSize)
    {
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (local is not null)
            {
                socket.Bind(local);
            }
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                socket.ConnectAsync(remote, cts.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new SocketException((int)SocketError.TimedOut, $"TCP connect to {remote} timed out after {timeout.TotalSeconds:0.#} s.");
            }
            catch (SocketException ex)
            {
                throw new SocketException((int)ex.SocketErrorCode, $"TCP connect to {remote} failed: {ex.Message}");
            }
            return new TcpTransport(socket, maxPacketSize);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public IPEndPoint RemoteEndPoint { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int MaxPacketSize => _reader.MaxPacketSize;

    public bool IsStream => true;

    /// <summary>The socket, for setup-time options only.</summary>
    public Socket Socket => _socket;

    /// <summary>
    /// Blocks for the next whole packet; returns its length, or 0 when the peer closed the connection
    /// at a packet boundary or this transport was disposed.
    /// </summary>
    /// <exception cref="InvalidDataException">Bad length (0 or above the maximum), or the peer closed mid-packet.</exception>
    /// <exception cref="SocketException">The connection broke (reset).</exception>
    public int Receive(Span<byte> buffer)
    {
        while (true)
        {
            if (_reader.TryReadPacket(buffer, out int length))
            {
                return length;
            }
            if (_disposed)
            {
                return 0;
            }
            int n = _socket.Receive(_reader.GetReceiveSpan(), SocketFlags.None, out SocketError error);
            if (!ReceivedOk(n, error))
            {
                return 0;
            }
            _reader.Advance(n);
        }
    }

    /// <summary>Async form of <see cref="Receive"/> for servers that do not give each connection a thread.</summary>
    public async ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (_reader.TryReadPacket(buffer.Span, out int length))
            {
                return length;
            }
            if (_disposed)
            {
                return 0;
            }
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_reader.GetReceiveMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                if (!ReceivedOk(0, ex.SocketErrorCode))
                {
                    return 0;
                }
                throw;
            }
            catch (ObjectDisposedException) when (_disposed)
            {
                return 0;
            }
            if (!ReceivedOk(n, SocketError.Success))
            {
                return 0;
            }
            _reader.Advance(n);
        }
    }

    /// <summary>Sends one packet with its length header. Returns false if the connection is closed (then stop sending).</summary>
    public bool Send(ReadOnlySpan<byte> packet)
    {
        if (packet.Length > MaxPacketSize)
        {
            throw new ArgumentException($"Packet of {packet.Length} bytes exceeds the TCP maximum of {MaxPacketSize}.", nameof(packet));
        }
        lock (_sendLock)
        {
            TcpFrameReader.WriteHeader(_sendBuffer, packet.Length);
            packet.CopyTo(_sendBuffer.AsSpan(2));
            return SendAll(_sendBuffer.AsSpan(0, packet.Length + 2));
        }
    }

    /// <summary>Frames <c>buffers[i][offset..offset+sizes[i]]</c> back to back and sends them in as few calls as fit the send buffer.</summary>
    public int SendBatch(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
    {
        int count = Math.Min(buffers.Length, sizes.Length);
        lock (_sendLock)
        {
            int used = 0;
            for (int i = 0; i < count; i++)
            {
                int size = sizes[i];
                if (size > MaxPacketSize)
                {
                    throw new ArgumentException($"Packet of {size} bytes exceeds the TCP maximum of {MaxPacketSize}.", nameof(sizes));
                }
                if (used + size + 2 > _sendBuffer.Length)
                {
                    if (!SendAll(_sendBuffer.AsSpan(0, used)))
                    {
                        return i;
                    }
                    used = 0;
                }
                TcpFrameReader.WriteHeader(_sendBuffer.AsSpan(used), size);
                buffers[i].AsSpan(offset, size).CopyTo(_sendBuffer.AsSpan(used + 2));
                used += size + 2;
            }
            return used == 0 || SendAll(_sendBuffer.AsSpan(0, used)) ? count : 0;
        }
    }

    /// <summary>Closes the connection; a blocked <see cref="Receive"/> returns 0.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer: nothing left to shut down.
        }
        _socket.Dispose();
    }

    private bool SendAll(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            if (_disposed)
            {
                return false;
            }
            int n = _socket.Send(data, SocketFlags.None, out SocketError error);
            if (error != SocketError.Success)
            {
                if (error is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                    or SocketError.OperationAborted or SocketError.NotConnected || _disposed)
                {
                    return false;
                }
                throw new SocketException((int)error, $"TCP send to {RemoteEndPoint} failed: {error}");
            }
            data = data[n..];
        }
        return true;
    }

    private bool ReceivedOk(int n, SocketError error)
    {
        if (error != SocketError.Success)
        {
            if (_disposed || error is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown)
            {
                return false;
            }
            if (error is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                throw new SocketException((int)error, $"TCP connection from {RemoteEndPoint} was reset.");
            }
            throw new SocketException((int)error, $"TCP receive from {RemoteEndPoint} failed: {error}");
        }
        if (n == 0)
        {
            if (_reader.Buffered > 0 && !_disposed)
            {
                throw new InvalidDataException($"TCP peer {RemoteEndPoint} closed the connection in the middle of a packet ({_reader.Buffered} bytes pending).");
            }
            return false;
        }
        return true;
    }
}
