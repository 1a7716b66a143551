using System.Net.Sockets;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Transport;

/// <summary>errno of a socket system call as the <see cref="SocketError"/> a <see cref="SocketException"/> carries.</summary>
internal static class SocketErrors
{
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
}
