using System.Runtime.InteropServices;

namespace SharpVpn.Platform.Interop;

/// <summary>socket(2) for rtnetlink (include/uapi/linux/netlink.h, include/linux/socket.h).</summary>
internal static unsafe partial class LibC
{
    public const int AF_NETLINK = 16;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int NETLINK_ROUTE = 0;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;
    public const int EAFNOSUPPORT = 97;
    public const int EPROTONOSUPPORT = 93;
    public const int EOPNOTSUPP = 95;

    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);
}
