using System.Buffers.Binary;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Network;

/// <summary>
/// One NETLINK_ROUTE socket: sends a request with NLM_F_ACK and collects the replies up to the kernel's
/// acknowledgement (an NLMSG_ERROR whose error is 0, or -errno). All integers are host order (little endian here).
/// <code>
///  struct nlmsghdr  { u32 len; u16 type; u16 flags; u32 seq; u32 pid; }      16 bytes (linux/netlink.h)
///  struct nlmsgerr  { s32 error; struct nlmsghdr msg; [payload unless NLM_F_CAPPED] } then TLVs if NLM_F_ACK_TLVS
///  struct rtattr    { u16 len; u16 type; } + data, padded to 4              (linux/rtnetlink.h)
/// </code>
/// The socket belongs to the network namespace of the thread that opened it, for good.
/// </summary>
internal sealed unsafe class RtNetlink : IDisposable
{
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_GETROUTE = 26;

    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;

    private const ushort NLMSG_ERROR = 2;
    private const ushort NLMSG_DONE = 3;
    private const ushort NLM_F_CAPPED = 0x100;
    private const ushort NLM_F_ACK_TLVS = 0x200;
    private const ushort NLMSGERR_ATTR_MSG = 1;
    private const int HeaderSize = 16;

    private readonly int _fd;
    private readonly byte[] _receive = new byte[32 * 1024];
    private uint _sequence;

    private RtNetlink(int fd) => _fd = fd;

    /// <summary>Opens the socket in the calling thread's namespace; returns 0 or the errno of socket(2).</summary>
    public static int TryOpen(out RtNetlink? socket)
    {
        socket = null;
        int fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0)
        {
            return Marshal.GetLastPInvokeError();
        }
        // Short acks (no echo of our request) carrying the kernel's extended error text, as iproute2 asks for.
        int on = 1;
        _ = LibC.SetSockOpt(fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, &on, sizeof(int));
        _ = LibC.SetSockOpt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, &on, sizeof(int));
        socket = new RtNetlink(fd);
        return 0;
    }

    /// <summary>
    /// Sends <paramref name="message"/> (built by <see cref="NetlinkMessage"/>) and returns 0 or the positive errno the
    /// kernel answered; reply messages (for GET requests) are handed to <paramref name="onReply"/> as type + payload.
    /// </summary>
    public int Request(NetlinkMessage message, out string? kernelMessage, Action<ushort, ReadOnlySpan<byte>>? onReply = null)
    {
        kernelMessage = null;
        uint seq = ++_sequence;
        byte[] request = message.Finish(seq);
        // sockaddr_nl { u16 family; u16 pad; u32 pid = 0 (the kernel); u32 groups; }
        byte* kernel = stackalloc byte[12];
        new Span<byte>(kernel, 12).Clear();
        *(ushort*)kernel = LibC.AF_NETLINK;
        fixed (byte* p = request)
        {
            while (LibC.SendTo(_fd, p, (nuint)request.Length, 0, kernel, 12) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno != LibC.EINTR)
                {
                    return errno;
                }
            }
        }
        while (true)
        {
            int length = ReceiveOne();
            if (length < 0)
            {
                return -length;
            }
            var buffer = new ReadOnlySpan<byte>(_receive, 0, length);
            while (buffer.Length >= HeaderSize)
            {
                int len = (int)BinaryPrimitives.ReadUInt32LittleEndian(buffer);
                ushort type = BinaryPrimitives.ReadUInt16LittleEndian(buffer[4..]);
                ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(buffer[6..]);
                uint replySeq = BinaryPrimitives.ReadUInt32LittleEndian(buffer[8..]);
                if (len < HeaderSize || len > buffer.Length)
                {
                    return LibC.EIO;
                }
                ReadOnlySpan<byte> payload = buffer[HeaderSize..len];
                buffer = buffer[Math.Min(Align(len), buffer.Length)..];
                if (replySeq != seq)
                {
                    continue; // a late answer to an earlier request
                }
                if (type == NLMSG_ERROR)
                {
                    int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
                    if ((flags & NLM_F_ACK_TLVS) != 0)
                    {
                        int echoed = (flags & NLM_F_CAPPED) != 0
                            ? HeaderSize
                            : (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
                        int start = 4 + Align(echoed);
                        if (start <= payload.Length)
                        {
                            kernelMessage = FindString(payload[start..], NLMSGERR_ATTR_MSG);
                        }
                    }
                    return -error;
                }
                if (type == NLMSG_DONE)
                {
                    return 0;
                }
                onReply?.Invoke(type, payload);
            }
        }
    }

    public void Dispose() => _ = LibC.Close(_fd);

    /// <summary>Walks the rtattrs in <paramref name="attributes"/>, calling <paramref name="visit"/> with type and data.</summary>
    public static void ForEachAttribute(ReadOnlySpan<byte> attributes, AttributeVisitor visit)
    {
        while (attributes.Length >= 4)
        {
            int len = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]) & 0x3fff);
            if (len < 4 || len > attributes.Length)
            {
                return;
            }
            visit(type, attributes[4..len]);
            attributes = attributes[Math.Min(Align(len), attributes.Length)..];
        }
    }

    public delegate void AttributeVisitor(ushort type, ReadOnlySpan<byte> data);

    public static int Align(int length) => (length + 3) & ~3;

    private static string? FindString(ReadOnlySpan<byte> attributes, ushort wanted)
    {
        string? found = null;
        ForEachAttribute(attributes, (type, data) =>
        {
            if (type == wanted)
            {
                int end = data.IndexOf((byte)0);
                found = System.Text.Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
            }
        });
        return found;
    }

    private int ReceiveOne()
    {
        LibC.PollFd poll = new() { Fd = _fd, Events = LibC.POLLIN };
        while (true)
        {
            // The kernel answers within the sendto call; the timeout only guards against a lost answer.
            int ready = LibC.Poll(&poll, 1, 5000);
            if (ready == 0)
            {
                return -LibC.EIO;
            }
            if (ready > 0)
            {
                fixed (byte* p = _receive)
                {
                    nint n = LibC.RecvFrom(_fd, p, (nuint)_receive.Length, 0, null, null);
                    if (n >= 0)
                    {
                        return (int)n;
                    }
                }
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EINTR)
            {
                return -errno;
            }
        }
    }
}

/// <summary>Builds one rtnetlink request: nlmsghdr, the fixed family header, then rtattrs.</summary>
internal sealed class NetlinkMessage
{
    private readonly List<byte> _bytes = new(128);

    public NetlinkMessage(ushort type, ushort flags, ReadOnlySpan<byte> familyHeader)
    {
        Span<byte> header = stackalloc byte[16];
        header.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)(flags | RtNetlink.NLM_F_REQUEST | RtNetlink.NLM_F_ACK));
        _bytes.AddRange(header);
        _bytes.AddRange(familyHeader);
        Pad();
    }

    public NetlinkMessage Attribute(ushort type, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(4 + data.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);
        _bytes.AddRange(header);
        _bytes.AddRange(data);
        Pad();
        return this;
    }

    public NetlinkMessage Attribute(ushort type, uint value)
    {
        Span<byte> data = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(data, value);
        return Attribute(type, data);
    }

    public NetlinkMessage Attribute(ushort type, string value)
    {
        byte[] text = System.Text.Encoding.UTF8.GetBytes(value + "\0");
        return Attribute(type, text);
    }

    /// <summary>Fills in length and sequence number; the port id stays 0 (the kernel assigns ours).</summary>
    public byte[] Finish(uint sequence)
    {
        byte[] message = [.. _bytes];
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)message.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(message.AsSpan(8), sequence);
        return message;
    }

    private void Pad()
    {
        while ((_bytes.Count & 3) != 0)
        {
            _bytes.Add(0);
        }
    }
}
