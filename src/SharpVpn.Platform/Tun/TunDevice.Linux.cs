using System.Runtime.InteropServices;
using System.Text;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Tun;

/// <summary>
/// A Linux TUN interface from the clone device /dev/net/tun (Documentation/networking/tuntap.rst;
/// model: wireguard-go tun/tun_linux.go CreateTUN). The fd is non-blocking: a read tries the fd
/// first and only polls (on the fd plus an eventfd) when nothing is queued, so under load a packet
/// costs one system call, and Dispose wakes a blocked reader at once through the eventfd.
/// </summary>
public sealed unsafe class TunDevice : ITunDevice
{
    public const string CloneDevicePath = "/dev/net/tun";

    private readonly FileDescriptorHandle _fd;
    private readonly FileDescriptorHandle _wake;
    private readonly bool _multiQueue;
    private readonly OffloadState? _offload;
    private volatile bool _disposed;
    private long _dropped;

    // The last batch read was one packet and then EAGAIN: traffic is sparse and the queue was empty a moment ago, so
    // the next batch read polls first instead of paying a read that fails (poll, read, read = EAGAIN per packet, not
    // one read more). After a larger batch reads go first, as data is likely queued. Only the reading thread uses it.
    private bool _pollFirst;

    private TunDevice(FileDescriptorHandle fd, FileDescriptorHandle wake, string name, bool multiQueue, bool offload)
    {
        _fd = fd;
        _wake = wake;
        Name = name;
        _multiQueue = multiQueue;
        _offload = offload ? new OffloadState() : null;
    }

    /// <summary>
    /// True when opened with <c>offload: true</c>: the kernel may hand over TCP super-segments (TSO) and
    /// packets with partial checksums, which the reads split and complete, so callers still see plain
    /// IP packets of at most MTU size. Fewer, larger reads move TCP traffic much faster.
    /// </summary>
    public bool OffloadEnabled => _offload is not null;

    /// <summary>TCP super-segments (TSO) read and split; shows whether the kernel uses the offload.</summary>
    public long SuperPacketsRead => Interlocked.Read(ref _superPackets);

    private long _superPackets;

    /// <summary>Packets read from the kernel that could not be valid after undoing offloads (dropped).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public string Name { get; }

    /// <summary>True when opened with IFF_MULTI_QUEUE; then <see cref="OpenQueue"/> adds queues.</summary>
    public bool IsMultiQueue => _multiQueue;

    /// <summary>
    /// Creates (or attaches to) a TUN interface in the calling thread's network namespace.
    /// <paramref name="name"/>: null, "" or "tun" lets the kernel choose ("tun%d", as OpenVPN's
    /// <c>dev tun</c>); a name with "%d" is a template; anything else is the exact name (max 15 bytes).
    /// </summary>
    /// <exception cref="IOException">/dev/net/tun is missing or not permitted, or the name is taken.</exception>
    public static TunDevice Open(string? name = null, bool multiQueue = false) => Open(name, multiQueue, offload: false);

    /// <summary>
    /// As <see cref="Open(string?, bool)"/>; <paramref name="offload"/> turns on IFF_VNET_HDR with checksum and
    /// TSO offload (see <see cref="OffloadEnabled"/>). Read buffers must still hold MTU-sized packets.
    /// </summary>
    public static TunDevice Open(string? name, bool multiQueue, bool offload)
    {
        string requested = string.IsNullOrEmpty(name) || name == "tun" ? "tun%d" : name;
        ValidateName(requested);
        return OpenCore(requested, multiQueue, offload);
    }

    /// <summary>
    /// Opens with offload (TSO reads, merged writes through <see cref="TunWriteBatch"/>) where the kernel allows it,
    /// else as <see cref="Open(string?, bool)"/>: an old kernel or a sandbox without IFF_VNET_HDR still gets a
    /// working device. <paramref name="offloadError"/> says why offload is off (null when on).
    /// </summary>
    public static TunDevice OpenPreferOffload(string? name, out string? offloadError)
    {
        try
        {
            offloadError = null;
            return Open(name, multiQueue: false, offload: true);
        }
        catch (IOException ex) when (ex.Message.Contains("offload", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("flags", StringComparison.Ordinal))
        {
            offloadError = ex.Message;
            return Open(name, multiQueue: false, offload: false);
        }
    }

    /// <summary>Opens one more queue of this multi-queue interface (one per core, each read by its own thread).</summary>
    public TunDevice OpenQueue()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_multiQueue)
        {
            throw new InvalidOperationException($"TUN interface {Name} was not opened with multiQueue: true, so it cannot have more queues.");
        }
        return OpenCore(Name, multiQueue: true, _offload is not null);
    }

    private static TunDevice OpenCore(string requested, bool multiQueue, bool offload)
    {
        int fd = LibC.Open(CloneDevicePath, LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException(errno switch
            {
                LibC.ENOENT or LibC.ENODEV or LibC.ENXIO =>
                    $"Cannot open {CloneDevicePath}: the TUN clone device does not exist (load the 'tun' kernel module, or in a container pass the device in, e.g. --device /dev/net/tun).",
                LibC.EACCES or LibC.EPERM =>
                    $"Cannot open {CloneDevicePath}: permission denied (run as root or with CAP_NET_ADMIN, and allow the device, e.g. DeviceAllow=/dev/net/tun rw).",
                _ => $"Cannot open {CloneDevicePath}: {LibC.StrError(errno)}.",
            });
        }
        var handle = new FileDescriptorHandle(fd);
        try
        {
            LibC.IfReq req = default;
            WriteName(ref req, requested);
            req.Flags = (short)(LibC.IFF_TUN | LibC.IFF_NO_PI | (multiQueue ? LibC.IFF_MULTI_QUEUE : 0) | (offload ? LibC.IFF_VNET_HDR : 0));
            if (LibC.Ioctl(fd, LibC.TUNSETIFF, &req) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new IOException(errno switch
                {
                    LibC.EPERM or LibC.EACCES =>
                        $"Cannot create TUN interface '{requested}' through {CloneDevicePath}: permission denied (needs CAP_NET_ADMIN).",
                    LibC.EBUSY =>
                        $"Cannot create TUN interface '{requested}': the name is in use by another device or process.",
                    LibC.EINVAL =>
                        $"Cannot create TUN interface '{requested}': an interface with that name exists with other flags (tap, or {(multiQueue ? "not " : "")}multi-queue).",
                    _ => $"Cannot create TUN interface '{requested}' through {CloneDevicePath}: {LibC.StrError(errno)}.",
                });
            }
            string actual = ReadName(ref req);
            if (offload)
            {
                nuint features = LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6;
                if (LibC.Ioctl(fd, LibC.TUNSETOFFLOAD, (void*)features) < 0)
                {
                    throw new IOException($"Cannot enable offloads on TUN interface '{actual}': {LibC.StrError(Marshal.GetLastPInvokeError())}.");
                }
            }
            int wake = LibC.EventFd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            if (wake < 0)
            {
                throw new IOException($"Cannot create the eventfd that wakes the TUN reader: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
            }
            return new TunDevice(handle, new FileDescriptorHandle(wake), actual, multiQueue, offload);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int Read(Span<byte> packet)
    {
        if (_offload is OffloadState state)
        {
            int got = Read(state.Single, state.SingleSize, 0);
            if (got == 0)
            {
                return 0;
            }
            int length = Math.Min(state.SingleSize[0], packet.Length);
            state.Single[0].AsSpan(0, length).CopyTo(packet);
            return length;
        }
        if (_disposed || !TryAddRef())
        {
            return 0;
        }
        try
        {
            fixed (byte* p = packet)
            {
                while (true)
                {
                    nint n = LibC.Read(_fd.Fd, p, (nuint)packet.Length);
                    if (n >= 0)
                    {
                        return (int)n;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EAGAIN)
                    {
                        if (!WaitUntil(LibC.POLLIN))
                        {
                            return 0;
                        }
                    }
                    else if (errno != LibC.EINTR)
                    {
                        return _disposed ? 0 : ThrowIo(errno, "read from");
                    }
                }
            }
        }
        finally
        {
            Release();
        }
    }

    public int Read(ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
    {
        int max = Math.Min(buffers.Length, sizes.Length);
        if (max == 0)
        {
            return 0;
        }
        if (_offload is OffloadState state)
        {
            return ReadOffloaded(state, buffers[..max], sizes, offset);
        }
        if (_pollFirst && !WaitReadable())
        {
            return 0;
        }
        int first = Read(buffers[0].AsSpan(offset));
        if (first == 0)
        {
            return 0;
        }
        sizes[0] = first;
        int count = 1;
        if (!TryAddRef())
        {
            return count;
        }
        try
        {
            // Drain what is already queued without blocking.
            while (count < max)
            {
                Span<byte> target = buffers[count].AsSpan(offset);
                nint n;
                fixed (byte* p = target)
                {
                    n = LibC.Read(_fd.Fd, p, (nuint)target.Length);
                }
                if (n <= 0)
                {
                    _pollFirst = count == 1 && n < 0 && Marshal.GetLastPInvokeError() == LibC.EAGAIN;
                    break;
                }
                sizes[count++] = (int)n;
            }
            return count;
        }
        finally
        {
            Release();
        }
    }

    public bool Write(ReadOnlySpan<byte> packet) => WriteCore(default, packet);

    /// <summary>
    /// Hands the kernel one packet described by a virtio_net_hdr: a TCP super-segment (GSO, split by the kernel
    /// only if it must leave through a device without TSO) or a packet whose L4 checksum is partial
    /// (NEEDS_CSUM). Only for a device opened with offload; the result is as for <see cref="Write(ReadOnlySpan{byte})"/>.
    /// </summary>
    public bool WriteOffloaded(in TunOffload.VirtioNetHeader header, ReadOnlySpan<byte> packet)
    {
        if (_offload is null)
        {
            throw new InvalidOperationException($"TUN interface {Name} was opened without offload: it cannot take super-segments.");
        }
        return WriteCore(header, packet);
    }

    private bool WriteCore(in TunOffload.VirtioNetHeader header, ReadOnlySpan<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = packet)
            {
                // With IFF_VNET_HDR every write starts with a virtio_net_hdr; all zero = a plain packet.
                LibC.IoVec* iov = stackalloc LibC.IoVec[2];
                byte* virtio = stackalloc byte[16];
                header.Write(new Span<byte>(virtio, TunOffload.VirtioNetHeaderSize));
                iov[0] = new LibC.IoVec { Base = virtio, Length = TunOffload.VirtioNetHeaderSize };
                iov[1] = new LibC.IoVec { Base = p, Length = (nuint)packet.Length };
                while (true)
                {
                    nint n = _offload is null ? LibC.Write(_fd.Fd, p, (nuint)packet.Length) : LibC.Writev(_fd.Fd, iov, 2);
                    if (n >= 0)
                    {
                        return true;
                    }
                    int errno = Marshal.GetLastPInvokeError();
                    switch (errno)
                    {
                        case LibC.EINTR:
                            continue;
                        case LibC.EAGAIN:
                            if (!WaitUntil(LibC.POLLOUT))
                            {
                                return false;
                            }
                            continue;
                        // The kernel refused this one packet (bad IP header, link down, memory): a drop.
                        case LibC.EINVAL or LibC.EIO or LibC.ENOMEM or LibC.ENOBUFS or LibC.EMSGSIZE:
                            return false;
                        default:
                            ObjectDisposedException.ThrowIf(_disposed, this);
                            ThrowIo(errno, "write to");
                            return false;
                    }
                }
            }
        }
        finally
        {
            _fd.DangerousRelease();
        }
    }

    public int Write(ReadOnlySpan<byte[]> buffers, ReadOnlySpan<int> sizes, int offset)
    {
        int count = Math.Min(buffers.Length, sizes.Length);
        int written = 0;
        for (int i = 0; i < count; i++)
        {
            if (Write(buffers[i].AsSpan(offset, sizes[i])))
            {
                written++;
            }
        }
        return written;
    }

    /// <summary>Reads super-packets into the offload buffer and splits them into the caller's buffers.</summary>
    private int ReadOffloaded(OffloadState state, ReadOnlySpan<byte[]> buffers, Span<int> sizes, int offset)
    {
        if (_disposed || !TryAddRef())
        {
            return 0;
        }
        try
        {
            if (_pollFirst && state.Next >= state.Count)
            {
                if (!WaitUntil(LibC.POLLIN))
                {
                    return 0;
                }
                _pollFirst = false;
            }
            int produced = 0;
            while (produced < buffers.Length)
            {
                if (state.Next < state.Count)
                {
                    int w = TunOffload.Split(state.Header, state.Buffer.AsSpan(TunOffload.VirtioNetHeaderSize, state.Length), state.Next,
                        buffers[produced..], sizes[produced..], offset, out _);
                    if (w <= 0)
                    {
                        Interlocked.Increment(ref _dropped);
                        state.Next = state.Count;
                        continue;
                    }
                    state.Next += w;
                    produced += w;
                    continue;
                }
                nint n;
                fixed (byte* p = state.Buffer)
                {
                    n = LibC.Read(_fd.Fd, p, (nuint)state.Buffer.Length);
                }
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == LibC.EAGAIN)
                    {
                        if (produced > 0)
                        {
                            _pollFirst = produced == 1;
                            break;
                        }
                        if (!WaitUntil(LibC.POLLIN))
                        {
                            return 0;
                        }
                        continue;
                    }
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    return _disposed ? 0 : ThrowIo(errno, "read from");
                }
                if (n <= TunOffload.VirtioNetHeaderSize)
                {
                    Interlocked.Increment(ref _dropped);
                    continue;
                }
                state.Header = TunOffload.VirtioNetHeader.Read(state.Buffer);
                state.Length = (int)n - TunOffload.VirtioNetHeaderSize;
                int written = TunOffload.Split(state.Header, state.Buffer.AsSpan(TunOffload.VirtioNetHeaderSize, state.Length), 0,
                    buffers[produced..], sizes[produced..], offset, out int segments);
                if (written <= 0)
                {
                    Interlocked.Increment(ref _dropped);
                    state.Next = state.Count = 0;
                    continue;
                }
                state.Count = segments;
                state.Next = written;
                if (segments > 1)
                {
                    _superPackets++;
                }
                produced += written;
            }
            return produced;
        }
        finally
        {
            Release();
        }
    }

    /// <summary>The reader's super-packet buffer and how far it has been split (one reading thread).</summary>
    private sealed class OffloadState
    {
        // Not zeroed: each is written (by read(2) or the split) before it is read, and 128 kB of pages left
        // untouched cost nothing while the tunnel comes up (issue 7, handshake time).
        public readonly byte[] Buffer = GC.AllocateUninitializedArray<byte>(TunOffload.VirtioNetHeaderSize + 65535);
        public readonly byte[][] Single = [GC.AllocateUninitializedArray<byte>(65535)];
        public readonly int[] SingleSize = new int[1];
        public TunOffload.VirtioNetHeader Header;
        public int Length;
        public int Next;
        public int Count;
    }

    /// <summary>Wakes any blocked reader (it returns 0), then closes the fd once no call is using it.</summary>
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
            _wake.DangerousAddRef(ref added);
            ulong one = 1;
            _ = LibC.Write(_wake.Fd, (byte*)&one, sizeof(ulong));
        }
        finally
        {
            if (added)
            {
                _wake.DangerousRelease();
            }
        }
        _fd.Dispose();
        _wake.Dispose();
    }

    public override string ToString() => Name;

    /// <summary>Blocks until the fd is readable (as <see cref="WaitUntil"/>, holding the fd); false when disposed.</summary>
    private bool WaitReadable()
    {
        if (_disposed || !TryAddRef())
        {
            return false;
        }
        try
        {
            _pollFirst = false;
            return WaitUntil(LibC.POLLIN);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Polls the fd and the wake eventfd; false when woken for dispose.</summary>
    private bool WaitUntil(short events)
    {
        LibC.PollFd* fds = stackalloc LibC.PollFd[2];
        fds[0] = new LibC.PollFd { Fd = _fd.Fd, Events = events };
        fds[1] = new LibC.PollFd { Fd = _wake.Fd, Events = LibC.POLLIN };
        while (true)
        {
            int r = LibC.Poll(fds, 2, -1);
            if (r < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                ThrowIo(errno, "poll");
            }
            if (_disposed || fds[1].Revents != 0)
            {
                return false;
            }
            if (fds[0].Revents != 0)
            {
                return true;
            }
        }
    }

    private bool TryAddRef()
    {
        bool fdAdded = false;
        bool wakeAdded = false;
        try
        {
            _fd.DangerousAddRef(ref fdAdded);
            _wake.DangerousAddRef(ref wakeAdded);
            return true;
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the flag check and here: the caller reports "closed".
            if (fdAdded)
            {
                _fd.DangerousRelease();
            }
            return false;
        }
    }

    private void Release()
    {
        _wake.DangerousRelease();
        _fd.DangerousRelease();
    }

    private int ThrowIo(int errno, string what) =>
        throw new IOException($"Cannot {what} TUN interface {Name}: {LibC.StrError(errno)}.");

    private static void ValidateName(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) > 15)
        {
            throw new ArgumentException($"TUN interface name '{name}' is longer than 15 bytes, the Linux limit.", nameof(name));
        }
        foreach (char c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                throw new ArgumentException($"TUN interface name '{name}' contains '{c}', which Linux does not allow in interface names.", nameof(name));
            }
        }
    }

    private static void WriteName(ref LibC.IfReq req, string name)
    {
        fixed (byte* p = req.Name)
        {
            int n = Encoding.UTF8.GetBytes(name, new Span<byte>(p, 15));
            p[n] = 0;
        }
    }

    private static string ReadName(ref LibC.IfReq req)
    {
        fixed (byte* p = req.Name)
        {
            var span = new ReadOnlySpan<byte>(p, 16);
            int end = span.IndexOf((byte)0);
            return Encoding.UTF8.GetString(span[..(end < 0 ? 16 : end)]);
        }
    }
}
