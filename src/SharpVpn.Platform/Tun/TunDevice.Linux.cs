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
    private volatile bool _disposed;

    private TunDevice(FileDescriptorHandle fd, FileDescriptorHandle wake, string name, bool multiQueue)
    {
        _fd = fd;
        _wake = wake;
        Name = name;
        _multiQueue = multiQueue;
    }

    public string Name { get; }

    /// <summary>True when opened with IFF_MULTI_QUEUE; then <see cref="OpenQueue"/> adds queues.</summary>
    public bool IsMultiQueue => _multiQueue;

    /// <summary>
    /// Creates (or attaches to) a TUN interface in the calling thread's network namespace.
    /// <paramref name="name"/>: null, "" or "tun" lets the kernel choose ("tun%d", as OpenVPN's
    /// <c>dev tun</c>); a name with "%d" is a template; anything else is the exact name (max 15 bytes).
    /// </summary>
    /// <exception cref="IOException">/dev/net/tun is missing or not permitted, or the name is taken.</exception>
    public static TunDevice Open(string? name = null, bool multiQueue = false)
    {
        string requested = string.IsNullOrEmpty(name) || name == "tun" ? "tun%d" : name;
        ValidateName(requested);
        return OpenCore(requested, multiQueue);
    }

    /// <summary>Opens one more queue of this multi-queue interface (one per core, each read by its own thread).</summary>
    public TunDevice OpenQueue()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_multiQueue)
        {
            throw new InvalidOperationException($"TUN interface {Name} was not opened with multiQueue: true, so it cannot have more queues.");
        }
        return OpenCore(Name, multiQueue: true);
    }

    private static TunDevice OpenCore(string requested, bool multiQueue)
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
            req.Flags = (short)(LibC.IFF_TUN | LibC.IFF_NO_PI | (multiQueue ? LibC.IFF_MULTI_QUEUE : 0));
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
            int wake = LibC.EventFd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
            if (wake < 0)
            {
                throw new IOException($"Cannot create the eventfd that wakes the TUN reader: {LibC.StrError(Marshal.GetLastPInvokeError())}.");
            }
            return new TunDevice(handle, new FileDescriptorHandle(wake), actual, multiQueue);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public int Read(Span<byte> packet)
    {
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

    public bool Write(ReadOnlySpan<byte> packet)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        bool added = false;
        _fd.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = packet)
            {
                while (true)
                {
                    nint n = LibC.Write(_fd.Fd, p, (nuint)packet.Length);
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
