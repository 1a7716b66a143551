using System.Globalization;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// The "TUN offload" line client and server log with their SIGUSR2 statistics (issue 7): whether the TUN offloads
/// work, i.e. how many TCP super-segments the kernel handed over (TSO) and how many the receive side wrote back
/// merged, so an operator (and the interop tests) can see the fast path is in use.
/// </summary>
internal static class TunOffloadReport
{
    public static string Describe(ITunDevice? tun, long mergedSuperSegments, long packetsWritten)
    {
        if (tun is null)
        {
            return "TUN offload: no TUN open";
        }
        if (!tun.OffloadEnabled)
        {
            return "TUN offload: off (packets are read and written one by one)";
        }
        string read = tun is TunDevice device ? device.SuperPacketsRead.ToString(CultureInfo.InvariantCulture) : "?";
        return string.Create(CultureInfo.InvariantCulture,
            $"TUN offload: on, TSO super-segments read {read}, merged super-segments written {mergedSuperSegments} (of {packetsWritten} packets written)");
    }
}
