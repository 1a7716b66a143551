using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// A UDP socket for OpenVPN packets, made and set up with socket(2), bind(2) and setsockopt(2) directly: a .NET
/// <see cref="System.Net.Sockets.Socket"/> would start .NET's epoll engine thread on creation, which the first
/// packet of a client then waited for (issue 7, handshake time), and nothing here uses it. The per-packet calls go
/// straight to recvfrom/sendto/recvmmsg/sendmmsg so they neither allocate nor throw on a single bad datagram. The
/// fd stays blocking, so a receive is one system call whether or not a datagram is already queued; Dispose wakes a blocked reader with
/// shutdown(2), which Linux honours even on unconnected UDP sockets (inet_shutdown wakes the waiters).
/// Receive on one thread and send on one thread (the batch calls reuse per-instance scratch memory).
/// </summary>
public sealed unsafe partial class UdpTransport : IPacketLink
{
    private const int MaxBatch = 64;
    private const int MaxGsoSegments = 64;   // UDP_MAX_SEGMENTS on older kernels
    private const int MaxGsoBytes = 65000;   // below the 65507-byte UDP payload limit
    private static readonly int ControlSpace = (sizeof(nuint) + 8 + sizeof(ushort) + 7) & ~7; // CMSG_SPACE(2)

    private readonly FileDescriptorHandle _handle;
    private readonly int _addressSize;
    private readonly LibC.MMsgHdr* _recvMsgs;
    private readonly LibC.IoVec* _recvIov;
    private readonly LibC.MMsgHdr* _sendMsgs;
    private readonly LibC.IoVec* _sendIov;
    private readonly LibC.MMsgHdr[] _recvMsgsArray;
    private readonly LibC.IoVec[] _recvIovArray;
    private readonly LibC.MMsgHdr[] _sendMsgsArray;
    private readonly LibC.IoVec[] _sendIovArray;
    private readonly byte[] _controlArray;
    private readonly byte* _control;
    private bool _gso;
    private int _gsoSegmentLimit = int.MaxValue; // segments this large got EMSGSIZE under GSO: sent one per message
    private volatile bool _disposed;

    /// <summary>Binds to <paramref name="localEndPoint"/> (port 0 = ephemeral). An IPv6 wildcard is dual-stack unless options say otherwise.</summary>
    public UdpTransport(IPEndPoint localEndPoint, UdpTransportOptions? options = null)
    {
        options ??= new UdpTransportOptions();
        AddressFamily = localEndPoint.AddressFamily;
        int fd = LibC.Socket(SocketCalls.Family(AddressFamily), LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, LibC.IPPROTO_UDP);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new SocketException(SocketCalls.FromErrno(errno), $"Cannot create a UDP socket for {localEndPoint}: {LibC.StrError(errno)}.");
        }
        _handle = new FileDescriptorHandle(fd);
        try
        {
            LinkWarnings = options.Link?.ApplyTo(fd) ?? [];
            if (AddressFamily == AddressFamily.InterNetworkV6 && localEndPoint.Address.Equals(IPAddress.IPv6Any))
            {
                int v6Only = options.DualMode ? 0 : 1;
                _ = LibC.SetSockOpt(fd, LibC.IPPROTO_IPV6, LibC.IPV6_V6ONLY, &v6Only, sizeof(int));
            }
            if (SocketCalls.Bind(fd, localEndPoint) is int bindError and not 0)
            {
                throw new SocketException(SocketCalls.FromErrno(bindError), $"Cannot bind UDP {localEndPoint}: {LibC.StrError(bindError)}");
            }
            ReceiveBufferSize = SetBuffer(LibC.SO_RCVBUF, LibC.SO_RCVBUFFORCE, options.ReceiveBufferSize);
            SendBufferSize = SetBuffer(LibC.SO_SNDBUF, LibC.SO_SNDBUFFORCE, options.SendBufferSize);
            LocalEndPoint = QueryLocalEndPoint(fd, localEndPoint);
            _addressSize = AddressFamily == AddressFamily.InterNetworkV6 ? 28 : 16;
            // Pinned (POH) so the kernel-facing headers never move; the GC frees them with the transport.
            _recvMsgs = PinnedScratch<LibC.MMsgHdr>(out _recvMsgsArray);
            _recvIov = PinnedScratch<LibC.IoVec>(out _recvIovArray);
            _sendMsgs = PinnedScratch<LibC.MMsgHdr>(out _sendMsgsArray);
            _sendIov = PinnedScratch<LibC.IoVec>(out _sendIovArray);
            _controlArray = GC.AllocateArray<byte>(MaxBatch * ControlSpace, pinned: true);
            _control = (byte*)Marshal.UnsafeAddrOfPinnedArrayElement(_controlArray, 0);
            _gso = options.UseGso;
            _groPending = options.UseGro;
        }
        catch
        {
            _handle.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A client socket: bound to <paramref name="local"/> (null = ephemeral, wildcard of the remote's family)
    /// and connected to <paramref name="remote"/>, so <see cref="Receive"/> only sees the server's datagrams.
    /// </summary>
    public static UdpTransport ForClient(IPEndPoint remote, IPEndPoint? local = null, UdpTransportOptions? options = null)
    {
        local ??= new IPEndPoint(remote.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        var transport = new UdpTransport(local, (options ?? new UdpTransportOptions()) with { DualMode = true });
        try
        {
            IPEndPoint target = remote.AddressFamily == AddressFamily.InterNetwork && transport.AddressFamily == AddressFamily.InterNetworkV6
                ? new IPEndPoint(remote.Address.MapToIPv6(), remote.Port)
                : remote;
            if (SocketCalls.Connect(transport.Fd, target) is int connectError and not 0)
            {
                throw new SocketException(SocketCalls.FromErrno(connectError), $"Cannot connect the UDP socket to {target}: {LibC.StrError(connectError)}");
            }
            transport.RemoteEndPoint = remote;
            return transport;
        }
        catch
        {
            transport.Dispose();
            throw;
        }
    }

    /// <summary>Blocks until a datagram is waiting or <paramref name="timeoutMs"/> passes (tests and setup; not the data path).</summary>
    public bool WaitReadable(int timeoutMs)
    {
        var poll = new LibC.PollFd { Fd = Fd, Events = LibC.POLLIN };
        return LibC.Poll(&poll, 1, timeoutMs) > 0 && (poll.Revents & LibC.POLLIN) != 0;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>Warnings from <see cref="UdpTransportOptions.Link"/> (mark / bind-dev refused), for the log.</summary>
    public IReadOnlyList<string> LinkWarnings { get; } = [];

    /// <summary>Set for a connected client socket.</summary>
    public IPEndPoint? RemoteEndPoint { get; private set; }

    /// <summary>The socket's family: SocketAddress buffers for it come from <see cref="CreateSocketAddress"/>.</summary>
    public AddressFamily AddressFamily { get; }

    /// <summary>SO_RCVBUF the kernel granted (it reports twice the usable size).</summary>
    public int ReceiveBufferSize { get; }

    public int SendBufferSize { get; }

    public bool IsStream => false;

    /// <summary>True while <see cref="SendBatch"/> coalesces equal-sized datagrams with UDP GSO (off after the kernel refused it once).</summary>
    public bool GsoEnabled => _gso;

    /// <summary>Datagrams that could not be sent (transient errors: refused, unreachable, no buffer space).</summary>
    public long SendDrops => Interlocked.Read(ref _sendDrops);

    private long _sendDrops;

    /// <summary>A SocketAddress sized for this socket, to reuse across <see cref="ReceiveFrom"/> calls.</summary>
    public SocketAddress CreateSocketAddress() => new(AddressFamily);

    /// <summary>
    /// Blocks for one datagram: copies it into <paramref name="buffer"/> and its source into
    /// <paramref name="from"/> (reused; see <see cref="PeerEndpoint.TryFrom(SocketAddress, out PeerEndpoint)"/>).
    /// Returns its length (a datagram longer than the buffer is truncated), or -1 once disposed.
    /// Zero-length datagrams return 0.
    /// </summary>
    public int ReceiveFrom(Span<byte> buffer, SocketAddress from)
    {
        if (!TryAddRef())
        {
            return -1;
        }
        try
        {
            if (_groState is not null)
            {
                return GroNext(buffer, from, block: true);
            }
            fixed (byte* p = buffer)
            fixed (byte* a = from.Buffer.Span)
            {
                while (true)
                {
                    uint len = (uint)from.Buffer.Length;
                    nint n = LibC.RecvFrom(Fd, p, (nuint)buffer.Length, 0, a, &len);
                    if (n >= 0)
                    {
                        if (n == 0 && _disposed)
                        {
                            return -1; // woken by shutdown in Dispose
                        }
                        from.Size = (int)Math.Min(len, (uint)from.Buffer.Length);
                        return (int)n;
                    }
                    if (!HandleReceiveError(Marshal.GetLastPInvokeError()))
                    {
                        return -1;
                    }
                }
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Sends one datagram to <paramref name="to"/>. Returns false when dropped (counted in <see cref="SendDrops"/>).</summary>
    public bool SendTo(ReadOnlySpan<byte> packet, SocketAddress to)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = packet)
            fixed (byte* a = to.Buffer.Span)
            {
                while (true)
                {
                    nint n = LibC.SendTo(Fd, p, (nuint)packet.Length, 0, a, (uint)to.Size);
                    if (n >= 0)
                    {
                        return true;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    return SendFailed(errno);
                }
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>Connected client: blocks for one datagram from the server; returns its length, or 0 once disposed.</summary>
    public int Receive(Span<byte> buffer)
    {
        if (!TryAddRef())
        {
            return 0;
        }
        try
        {
            if (_groState is not null)
            {
                return Math.Max(0, GroNext(buffer, null, block: true));
            }
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = LibC.RecvFrom(Fd, p, (nuint)buffer.Length, 0, null, null);
                    if (n > 0)
                    {
                        return (int)n;
                    }
                    if (n == 0)
                    {
                        if (_disposed)
                        {
                            return 0;
                        }
                        continue; // An empty datagram carries no OpenVPN packet; 0 means "closed" here.
                    }
                    if (!HandleReceiveError(Marshal.GetLastPInvokeError()))
                    {
                        return 0;
                    }
                }
            }
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Connected client: sends one datagram to the server.</summary>
    public bool Send(ReadOnlySpan<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = packet)
            {
                while (true)
                {
                    nint n = LibC.SendTo(Fd, p, (nuint)packet.Length, 0, null, 0);
                    if (n >= 0)
                    {
                        return true;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    return SendFailed(errno);
                }
            }
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// recvmmsg: blocks for at least one datagram, then takes up to <c>min(buffers, sizes, from)</c> (max 64)
    /// already queued. Datagram i lands in <c>buffers[i][offset..]</c>, its length in <c>sizes[i]</c>, its source in
    /// <c>from[i]</c> (pass null for a connected socket). Returns the count, or -1 once disposed.
    /// </summary>
    public int ReceiveBatch(ReadOnlySpan<byte[]> buffers, Span<int> sizes, SocketAddress[]? from, int offset)
    {
        int count = Math.Min(Math.Min(buffers.Length, sizes.Length), MaxBatch);
        if (from is not null)
        {
            count = Math.Min(count, from.Length);
        }
        if (count == 0)
        {
            return 0;
        }
        if (!TryAddRef())
        {
            return -1;
        }
        if (_groState is not null)
        {
            try
            {
                return GroReceiveBatch(buffers, sizes, from, offset, count);
            }
            finally
            {
                Release();
            }
        }
        var pins = new PinSet();
        try
        {
            for (int i = 0; i < count; i++)
            {
                byte[] b = buffers[i];
                _recvIov[i] = new LibC.IoVec { Base = pins.Pin(b, offset), Length = (nuint)(b.Length - offset) };
                ref LibC.MsgHdr h = ref _recvMsgs[i].Hdr;
                h = default;
                h.Iov = &_recvIov[i];
                h.IovLen = 1;
                if (from is not null)
                {
                    h.Name = pins.Pin(from[i]);
                    h.NameLen = (uint)from[i].Buffer.Length;
                }
            }
            while (true)
            {
                int n = LibC.RecvMMsg(Fd, _recvMsgs, (uint)count, LibC.MSG_WAITFORONE, null);
                if (_disposed)
                {
                    return -1; // woken by shutdown in Dispose (it reports one empty message)
                }
                if (n > 0)
                {
                    for (int i = 0; i < n; i++)
                    {
                        sizes[i] = (int)_recvMsgs[i].Len;
                        if (from is not null)
                        {
                            from[i].Size = (int)_recvMsgs[i].Hdr.NameLen;
                        }
                    }
                    if (_groPending && n >= GroSwitchOnBatch)
                    {
                        _groPending = false;
                        EnableGro(); // bulk traffic: the next receives coalesce
                    }
                    return n;
                }
                if (n == 0)
                {
                    continue;
                }
                if (!HandleReceiveError(Marshal.GetLastPInvokeError()))
                {
                    return -1;
                }
            }
        }
        finally
        {
            pins.Dispose();
            Release();
        }
    }

    /// <summary>
    /// sendmmsg: sends <c>buffers[i][offset..offset+sizes[i]]</c> to <paramref name="to"/> (null on a connected socket),
    /// in order, in as few system calls as the kernel allows. With UDP GSO (<see cref="GsoEnabled"/>), each run of
    /// equal-sized datagrams (a shorter one may end the run) goes down the stack as one UDP_SEGMENT super-packet
    /// that the kernel splits at the last moment; the datagrams on the wire are the same.
    /// Returns how many datagrams were sent; the rest were dropped (counted in <see cref="SendDrops"/>).
    /// </summary>
    public int SendBatch(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset, SocketAddress? to)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int total = Math.Min(buffers.Length, sizes.Length);
        int done = 0;
        int sent = 0;
        int plainUntil = 0; // datagrams before this index go one per message (their GSO send failed with EMSGSIZE)
        Span<int> groupLengths = stackalloc int[MaxBatch];
        bool added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            while (done < total)
            {
                int chunk = Math.Min(total - done, MaxBatch);
                int messages = 0;
                int n;
                int errno;
                bool gso = _gso;
                var pins = new PinSet();
                try
                {
                    void* name = to is null ? null : pins.Pin(to);
                    int i = 0;
                    while (i < chunk)
                    {
                        int segment = sizes[done + i];
                        int group = 1;
                        int bytes = segment;
                        if (gso && done + i >= plainUntil && segment < _gsoSegmentLimit)
                        {
                            while (i + group < chunk && group < MaxGsoSegments)
                            {
                                int next = sizes[done + i + group];
                                if (next > segment || next == 0 || bytes + next > MaxGsoBytes)
                                {
                                    break;
                                }
                                bytes += next;
                                group++;
                                if (next < segment)
                                {
                                    break; // only the last segment may be shorter
                                }
                            }
                        }
                        for (int k = 0; k < group; k++)
                        {
                            _sendIov[i + k] = new LibC.IoVec { Base = pins.Pin(buffers[done + i + k], offset), Length = (nuint)sizes[done + i + k] };
                        }
                        ref LibC.MsgHdr h = ref _sendMsgs[messages].Hdr;
                        h = default;
                        h.Iov = &_sendIov[i];
                        h.IovLen = (nuint)group;
                        h.Name = name;
                        h.NameLen = to is null ? 0u : (uint)to.Size;
                        if (group > 1)
                        {
                            // One cmsghdr {len, SOL_UDP, UDP_SEGMENT} + u16 gso_size (include/uapi/linux/udp.h).
                            byte* c = _control + (messages * ControlSpace);
                            *(nuint*)c = (nuint)(sizeof(nuint) + 8 + sizeof(ushort));
                            *(int*)(c + sizeof(nuint)) = LibC.SOL_UDP;
                            *(int*)(c + sizeof(nuint) + 4) = LibC.UDP_SEGMENT;
                            *(ushort*)(c + sizeof(nuint) + 8) = (ushort)segment;
                            h.Control = c;
                            h.ControlLen = (nuint)ControlSpace;
                        }
                        groupLengths[messages++] = group;
                        i += group;
                    }
                    n = LibC.SendMMsg(Fd, _sendMsgs, (uint)messages, 0);
                    errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
                }
                finally
                {
                    pins.Dispose();
                }
                if (n > 0)
                {
                    for (int m = 0; m < n; m++)
                    {
                        done += groupLengths[m];
                        sent += groupLengths[m];
                    }
                }
                else if (errno == LibC.EINTR)
                {
                    continue;
                }
                else if (gso && groupLengths[0] > 1 && errno == LibC.EMSGSIZE)
                {
                    // A segment plus headers exceeds the path MTU (udp_send_skb refuses GSO then, where a single
                    // datagram would just be IP-fragmented): send this run, and later runs of segments this
                    // large, one datagram per message.
                    plainUntil = done + groupLengths[0];
                    _gsoSegmentLimit = Math.Min(_gsoSegmentLimit, sizes[done]);
                }
                else if (gso && groupLengths[0] > 1 && errno is LibC.EIO or LibC.EINVAL or LibC.ENOPROTOOPT)
                {
                    // The route's device cannot checksum-offload (EIO) or the kernel lacks UDP GSO:
                    // fall back to one datagram per message for good, as wireguard-go does.
                    _gso = false;
                }
                else
                {
                    // sendmmsg reports the first message's error: drop its datagrams and go on with the rest.
                    if (errno == LibC.EAGAIN)
                    {
                        Interlocked.Add(ref _sendDrops, groupLengths[0]);
                    }
                    else
                    {
                        SendFailed(errno);
                        Interlocked.Add(ref _sendDrops, groupLengths[0] - 1);
                    }
                    done += groupLengths[0];
                }
            }
            return sent;
        }
        finally
        {
            _handle.DangerousRelease();
        }
    }

    /// <summary>Wakes a blocked reader (it returns -1 / 0) and closes the socket once no call uses it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            _ = LibC.Shutdown(Fd, LibC.SHUT_RDWR);
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nobody can be blocked on it.
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
        _handle.Dispose();
    }

    private static T* PinnedScratch<T>(out T[] array) where T : unmanaged
    {
        array = GC.AllocateArray<T>(MaxBatch, pinned: true);
        return (T*)Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
    }

    private int Fd => (int)_handle.DangerousGetHandle();

    /// <summary>True to retry, false when disposed. ICMP errors reported on a connected socket are skipped.</summary>
    private bool HandleReceiveError(int errno)
    {
        switch (errno)
        {
            case LibC.EAGAIN:
            case LibC.EINTR:
            // A previous send drew an ICMP error (server down, route gone): not fatal for UDP.
            case LibC.ECONNREFUSED or LibC.EHOSTUNREACH or LibC.ENETUNREACH or LibC.EHOSTDOWN or LibC.ENETDOWN:
                return !_disposed;
            default:
                if (_disposed)
                {
                    return false;
                }
                throw new SocketException(errno, $"UDP receive on {LocalEndPoint} failed: {LibC.StrError(errno)}");
        }
    }

    private bool SendFailed(int errno)
    {
        switch (errno)
        {
            case LibC.ECONNREFUSED or LibC.EHOSTUNREACH or LibC.ENETUNREACH or LibC.EHOSTDOWN or LibC.ENETDOWN
                or LibC.ENOBUFS or LibC.ENOMEM or LibC.EMSGSIZE or LibC.EPERM or LibC.EADDRNOTAVAIL or LibC.EINVAL:
                Interlocked.Increment(ref _sendDrops);
                return false;
            default:
                ObjectDisposedException.ThrowIf(_disposed, this);
                throw new SocketException(errno, $"UDP send from {LocalEndPoint} failed: {LibC.StrError(errno)}");
        }
    }

    private bool TryAddRef()
    {
        if (_disposed)
        {
            return false;
        }
        bool socketAdded = false;
        try
        {
            _handle.DangerousAddRef(ref socketAdded);
            return true;
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the flag check and here.
            if (socketAdded)
            {
                _handle.DangerousRelease();
            }
            return false;
        }
    }

    private void Release() => _handle.DangerousRelease();

    private int SetBuffer(int option, int forceOption, int wanted)
    {
        int fd = Fd;
        if (wanted > 0)
        {
            int value = wanted;
            // SO_*BUFFORCE ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN; fall back to the capped option.
            if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, forceOption, &value, sizeof(int)) != 0)
            {
                _ = LibC.SetSockOpt(fd, LibC.SOL_SOCKET, option, &value, sizeof(int));
            }
        }
        int granted = 0;
        uint length = sizeof(int);
        return LibC.GetSockOpt(fd, LibC.SOL_SOCKET, option, &granted, &length) == 0 ? granted : 0;
    }

    /// <summary>The address the kernel bound (the ephemeral port filled in).</summary>
    private static IPEndPoint QueryLocalEndPoint(int fd, IPEndPoint requested)
    {
        var address = new SocketAddress(requested.AddressFamily);
        uint length = (uint)address.Size;
        fixed (byte* a = address.Buffer.Span)
        {
            if (LibC.GetSockName(fd, a, &length) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new SocketException(SocketCalls.FromErrno(errno), $"getsockname on the UDP socket for {requested} failed: {LibC.StrError(errno)}");
            }
        }
        return (IPEndPoint)requested.Create(address);
    }

    /// <summary>Pins up to a batch of arrays for one system call without allocating.</summary>
    private struct PinSet : IDisposable
    {
        private GCHandleArray _handles;
        private int _count;

        public void* Pin(byte[] array, int offset)
        {
            GCHandle h = GCHandle.Alloc(array, GCHandleType.Pinned);
            _handles[_count++] = h;
            return (byte*)h.AddrOfPinnedObject() + offset;
        }

        public void* Pin(SocketAddress address)
        {
            if (!MemoryMarshal.TryGetArray<byte>(address.Buffer, out ArraySegment<byte> segment))
            {
                throw new InvalidOperationException("SocketAddress buffer is not array-backed.");
            }
            return Pin(segment.Array!, segment.Offset);
        }

        public void Dispose()
        {
            for (int i = 0; i < _count; i++)
            {
                _handles[i].Free();
            }
            _count = 0;
        }
    }

    [System.Runtime.CompilerServices.InlineArray(2 * MaxBatch + 1)]
    private struct GCHandleArray
    {
        private GCHandle _element;
    }
}
