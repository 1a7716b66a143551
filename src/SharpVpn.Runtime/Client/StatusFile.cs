using System.Globalization;
using System.Text;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The client's <c>status FILE [n]</c> (openvpn-protocol.md §17.3; src/openvpn/sig.c <c>print_status</c>), written
/// atomically (temp file + rename) so readers never see half a file:
/// <code>
/// OpenVPN STATISTICS
/// Updated,2026-11-27 12:00:00
/// TUN/TAP read bytes,N
/// TUN/TAP write bytes,N
/// TCP/UDP read bytes,N
/// TCP/UDP write bytes,N
/// Auth read bytes,N
/// [pre-compress bytes,N ... post-decompress bytes,N   only with a compression context]
/// END
/// </code>
/// </summary>
internal static class StatusFile
{
    public static void Write(string path, DataChannelPipe? pipe, long totalTunRead, long totalTunWrite, long totalLinkRead, long totalLinkWrite, bool compression)
    {
        long tunRead = totalTunRead + (pipe?.TunReadBytes ?? 0);
        long tunWrite = totalTunWrite + (pipe?.TunWriteBytes ?? 0);
        long linkRead = totalLinkRead + (pipe?.LinkReadBytes ?? 0);
        long linkWrite = totalLinkWrite + (pipe?.LinkWriteBytes ?? 0);
        var sb = new StringBuilder();
        sb.Append("OpenVPN STATISTICS\n");
        sb.Append("Updated,").Append(DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append('\n');
        Line(sb, "TUN/TAP read bytes", tunRead);
        Line(sb, "TUN/TAP write bytes", tunWrite);
        Line(sb, "TCP/UDP read bytes", linkRead);
        Line(sb, "TCP/UDP write bytes", linkWrite);
        Line(sb, "Auth read bytes", linkRead);
        if (compression)
        {
            // We never compress, so pre == post on the way out; decompression is not counted separately.
            Line(sb, "pre-compress bytes", tunRead);
            Line(sb, "post-compress bytes", tunRead);
            Line(sb, "pre-decompress bytes", tunWrite);
            Line(sb, "post-decompress bytes", tunWrite);
        }

        sb.Append("END\n");
        string temp = path + ".tmp";
        File.WriteAllText(temp, sb.ToString());
        File.Move(temp, path, overwrite: true);
    }

    private static void Line(StringBuilder sb, string name, long value) =>
        sb.Append(name).Append(',').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
