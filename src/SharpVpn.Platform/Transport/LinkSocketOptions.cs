using System.Runtime.InteropServices;
using System.Text;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// OpenVPN's <c>mark N</c> (SO_MARK on the tunnel's socket, for policy routing: <c>ip rule add fwmark N ...</c>) and
/// <c>bind-dev DEV</c> (SO_BINDTODEVICE, e.g. a VRF device). As in OpenVPN (socket.c socket_set_mark,
/// create_socket), a refusal is a warning and the socket is used as it is.
/// </summary>
public sealed record LinkSocketOptions(int? Mark, string? BindDevice)
{
    /// <summary>The options for a config's mark and bind-dev, or null when it has neither.</summary>
    public static LinkSocketOptions? For(int? mark, string? bindDevice) =>
        mark is null && bindDevice is null ? null : new LinkSocketOptions(mark, bindDevice);

    /// <summary>Sets both on <paramref name="fd"/> (before bind); returns OpenVPN's warning for each that failed.</summary>
    public unsafe IReadOnlyList<string> ApplyTo(int fd)
    {
        var warnings = new List<string>();
        if (Mark is int mark and not 0)
        {
            if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_MARK, &mark, sizeof(int)) != 0)
            {
                warnings.Add($"NOTE: setsockopt SO_MARK={mark} failed: {LibC.StrError(Marshal.GetLastPInvokeError())}");
            }
        }

        if (BindDevice is { Length: > 0 } device)
        {
            byte[] name = Encoding.ASCII.GetBytes(device + "\0");
            fixed (byte* p = name)
            {
                if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_BINDTODEVICE, p, (uint)name.Length) != 0)
                {
                    warnings.Add($"WARN: setsockopt SO_BINDTODEVICE={device} failed: {LibC.StrError(Marshal.GetLastPInvokeError())}");
                }
            }
        }

        return warnings;
    }
}
