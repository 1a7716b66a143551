using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

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
    private byte[]? _sendBuffer; // for batches; allocated on the first one (idle connections never need it)
    private readonly Lock _sendLock = new();
    private volatile bool _disposed;

    /// <summary>Wraps a connected stream socket (server: an accepted one).</summary>
    public TcpTransport(Socket connected, int maxPacketSize = DefaultMaxPacketSize)
    {
        _socket = connected;
        _socket.NoDelay = true;
        _reader = new TcpFrameReader(maxPacketSize);
        RemoteEndPoint = (IPEndPoint)connected.RemoteEndPoint!;
        LocalEndPoint = (IPEndPoint)connected.LocalEndPoint!;
    }

    /// <summary>Client: connects to <paramref name="remote"/> within <paramref name="timeout"/>.</summary>
    /// <exception cref="SocketException">Refused, unreachable or timed out; the message names the endpoint.</exception>
    public static TcpTransport Connect(IPEndPoint remote, TimeSpan timeout, IPEndPoint? local = null, int maxPacketSize = DefaultMaxPacketSize,
        LinkSocketOptions? link = null, Action<string>? warn = null)
    {
        Socket socket = ConnectBlockingSocket(remote, timeout, local, link, warn);
        try
        {
            return new TcpTransport(socket, maxPacketSize);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A non-blocking connect polled for <paramref name="timeout"/> on a socket made with socket(2), switched back to
    /// blocking and only then handed to .NET. Not ConnectAsync or Socket.Blocking = false: on Linux either one binds
    /// the socket to .NET's epoll engine for good, and every later synchronous Receive becomes a hand-off to another
    /// thread and back (measured: download over proto tcp at half the speed, most CPU in thread-pool workers).
    /// </summary>
    private static unsafe Socket ConnectBlockingSocket(IPEndPoint remote, TimeSpan timeout, IPEndPoint? local, LinkSocketOptions? link,
        Action<string>? warn)
    {
        int fd = LibC.Socket(SocketCalls.Family(remote.AddressFamily), LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, LibC.IPPROTO_TCP);
        if (fd < 0)
        {
            throw new SocketException(Marshal.GetLastPInvokeError(), $"Cannot create a TCP socket for {remote}: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
        }
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        try
        {
            foreach (string warning in link?.ApplyTo(fd) ?? [])
            {
                warn?.Invoke(warning);
            }

            if (local is not null && SocketCalls.Bind(fd, local) is int bindError and not 0)
            {
                throw new SocketException(SocketCalls.FromErrno(bindError), $"Cannot bind the TCP socket to {local}: {LibC.StrError(bindError)}.");
            }

            int connectError = SocketCalls.Connect(fd, remote);
            if (connectError != 0)
            {
                if (connectError != LibC.EINPROGRESS)
                {
                    throw new SocketException(SocketCalls.FromErrno(connectError), $"TCP connect to {remote} failed: {LibC.StrError(connectError)}.");
                }
                WaitConnected(fd, remote, timeout);
            }

            int flags = LibC.Fcntl(fd, LibC.F_GETFL, 0);
            if (flags < 0 || LibC.Fcntl(fd, LibC.F_SETFL, flags & ~LibC.O_NONBLOCK) < 0)
            {
                throw new SocketException(Marshal.GetLastPInvokeError(), $"Cannot make the TCP socket to {remote} blocking: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
            }
            return new Socket(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static unsafe void WaitConnected(int fd, IPEndPoint remote, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)Math.Max(1, timeout.TotalMilliseconds);
        var poll = new LibC.PollFd { Fd = fd, Events = LibC.POLLOUT };
        while (true)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                throw new SocketException((int)SocketError.TimedOut, $"TCP connect to {remote} timed out after {timeout.TotalSeconds:0.#} s.");
            }
            int r = LibC.Poll(&poll, 1, (int)Math.Min(left, int.MaxValue));
            if (r < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR)
            {
                continue;
            }
            if (r > 0)
            {
                break;
            }
        }
        int error = 0;
        uint length = sizeof(int);
        if (LibC.GetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, &error, &length) < 0)
        {
            error = Marshal.GetLastPInvokeError();
        }
        if (error != 0)
        {
            throw new SocketException(SocketCalls.FromErrno(error), $"TCP connect to {remote} failed: {LibC.StrError(error)}.");
        }
    }

    /// <summary>
    /// While true (a client's handshake), whatever a receive brought in is acknowledged at once (TCP_QUICKACK) instead
    /// of after the delayed-ACK timer. An OpenVPN server without tcp-nodelay has Nagle's algorithm on: after a bare
    /// P_ACK it holds its next control packet until that ACK is acknowledged, which cost our handshake 40 ms per stall
    /// (seen in tcpdump: two stalls, handshake 75 ms against 17 ms for openvpn's own client). Off for the data phase.
    /// </summary>
    public bool AckImmediately { get; set; }

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
            if (AckImmediately)
            {
                AcknowledgeNow();
            }
        }
    }

    /// <summary>
    /// Blocks for the next whole packet like <see cref="Receive"/>, then also takes the packets already received
    /// (no further system call): packet i goes to <c>buffers[i][offset..]</c>, its length to <c>sizes[i]</c>.
    /// Returns the count, or 0 when the connection closed.
    /// </summary>
    public int ReceiveBatch(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
    {
        int max = Math.Min(buffers.Length, sizes.Length);
        if (max == 0)
        {
            return 0;
        }
        int first = Receive(buffers[0].AsSpan(offset));
        if (first == 0)
        {
            return 0;
        }
        sizes[0] = first;
        int count = 1;
        while (count < max && _reader.TryReadPacket(buffers[count].AsSpan(offset), out int length))
        {
            sizes[count++] = length;
        }
        return count;
    }

    /// <summary>TCP_QUICKACK after a read: the kernel sends the ACK it had delayed right away (tcp_cleanup_rbuf).</summary>
    private void AcknowledgeNow()
    {
        Span<byte> one = stackalloc byte[sizeof(int)];
        BitConverter.TryWriteBytes(one, 1);
        try
        {
            _socket.SetRawSocketOption(LibC.IPPROTO_TCP, TcpQuickAck, one);
        }
        catch (SocketException)
        {
            AckImmediately = false; // not supported here: only a latency optimisation
        }
    }

    private const int TcpQuickAck = 12; // TCP_QUICKACK, include/uapi/linux/tcp.h

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
            Span<byte> frame = packet.Length + 2 <= SmallFrame ? stackalloc byte[SmallFrame] : SendBuffer;
            TcpFrameReader.WriteHeader(frame, packet.Length);
            packet.CopyTo(frame[2..]);
            return SendAll(frame[..(packet.Length + 2)]);
        }
    }

    /// <summary>Frames <c>buffers[i][offset..offset+sizes[i]]</c> back to back and sends them in as few calls as fit the send buffer.</summary>
    public int SendBatch(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
    {
        int count = Math.Min(buffers.Length, sizes.Length);
        lock (_sendLock)
        {
            byte[] sendBuffer = SendBuffer;
            int used = 0;
            for (int i = 0; i < count; i++)
            {
                int size = sizes[i];
                if (size > MaxPacketSize)
                {
                    throw new ArgumentException($"Packet of {size} bytes exceeds the TCP maximum of {MaxPacketSize}.", nameof(sizes));
                }
                if (used + size + 2 > sendBuffer.Length)
                {
                    if (!SendAll(sendBuffer.AsSpan(0, used)))
                    {
                        return i;
                    }
                    used = 0;
                }
                TcpFrameReader.WriteHeader(sendBuffer.AsSpan(used), size);
                buffers[i].AsSpan(offset, size).CopyTo(sendBuffer.AsSpan(used + 2));
                used += size + 2;
            }
            return used == 0 || SendAll(sendBuffer.AsSpan(0, used)) ? count : 0;
        }
    }

    private const int SmallFrame = 2048; // one control or data packet with its header: built on the stack

    private byte[] SendBuffer => _sendBuffer ??= new byte[Math.Max(64 * 1024, MaxPacketSize + 2)];

    /// <summary>
    /// The next whole packet already received, in place (no copy, no system call), or false. The span is valid until the
    /// next receive on this transport. With <see cref="Receive"/> this lets a server connection take every packet one
    /// receive brought in without holding a buffer per packet.
    /// </summary>
    public bool TryTakeReceived(out ReadOnlySpan<byte> packet) => _reader.TryTakePacket(out packet);

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
