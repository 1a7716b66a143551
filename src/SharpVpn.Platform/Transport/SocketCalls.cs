using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// The set-up calls both transports make on a socket(2) descriptor (no .NET <see cref="Socket"/>: see
/// <see cref="UdpTransport"/> and <see cref="TcpTransport"/>), with errno mapped as a <see cref="SocketException"/> carries it.
/// </summary>
internal static unsafe class SocketCalls
{
    /// <summary>AF_INET6 or AF_INET (Linux values) for a .NET address family.</summary>
    public static int Family(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? LibC.AF_INET6 : LibC.AF_INET;

    /// <summary>bind(2) to <paramref name="endPoint"/>; 0 or the errno.</summary>
    public static int Bind(int fd, IPEndPoint endPoint) => WithAddress(fd, endPoint, &LibC.Bind);

    /// <summary>connect(2) to <paramref name="endPoint"/>; 0 or the errno (EINPROGRESS for a non-blocking socket).</summary>
    public static int Connect(int fd, IPEndPoint endPoint) => WithAddress(fd, endPoint, &LibC.Connect);

    /// <summary>errno of a socket system call as <see cref="SocketError"/> (the rest: SocketError.SocketError).</summary>
    public static int FromErrno(int errno) => (int)(errno switch
    {
        LibC.ECONNREFUSED => SocketError.ConnectionRefused,
        LibC.ENETUNREACH => SocketError.NetworkUnreachable,
        LibC.EHOSTUNREACH or LibC.EHOSTDOWN => SocketError.HostUnreachable,
        LibC.ENETDOWN => SocketError.NetworkDown,
        LibC.EADDRNOTAVAIL => SocketError.AddressNotAvailable,
        LibC.EACCES or LibC.EPERM => SocketError.AccessDenied,
        98 => SocketError.AddressAlreadyInUse, // EADDRINUSE
        LibC.EAFNOSUPPORT => SocketError.AddressFamilyNotSupported,
        _ => SocketError.SocketError,
    });

    private static int WithAddress(int fd, IPEndPoint endPoint, delegate*<int, byte*, uint, int> call)
    {
        SocketAddress address = endPoint.Serialize();
        fixed (byte* a = address.Buffer.Span)
        {
            return call(fd, a, (uint)address.Size) < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }
}
