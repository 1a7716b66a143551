using System.Globalization;
using System.Text;

namespace SharpVpn.Runtime.Server;

/// <summary>One client row of the status report (a snapshot taken on the control loop).</summary>
internal sealed record ClientStatus(long Id, string CommonName, string RealAddress, string VirtualAddress, long BytesReceived,
    long BytesSent, DateTimeOffset ConnectedSince, string? Username, int PeerId, string? Cipher, string VirtualIpv6Address = "")
{
    /// <summary>The client's routing-table addresses: IPv4, then IPv6 (server-ipv6), as OpenVPN lists each learned address.</summary>
    public IEnumerable<string> VirtualAddresses()
    {
        if (VirtualAddress.Length > 0)
        {
            yield return VirtualAddress;
        }

        if (VirtualIpv6Address.Length > 0)
        {
            yield return VirtualIpv6Address;
        }
    }
}

/// <summary>
/// The server status report exactly as OpenVPN 2.6 writes it (openvpn-protocol.md §17; multi.c multi_print_status):
/// version 1 (CSV sections), 2 (typed comma lines), 3 (typed TAB lines). Used for <c>status FILE</c> and the
/// management <c>status [n]</c> command (which ends lines with CRLF).
/// </summary>
internal static class ServerStatusFile
{
    public static string Format(int version, IReadOnlyList<ClientStatus> clients, DateTimeOffset now, string title, string newline = "\n")
    {
        var sb = new StringBuilder();
        void Line(string text) => sb.Append(text).Append(newline);
        string stamp = Stamp(now);
        if (version is 2 or 3)
        {
            char sep = version == 3 ? '\t' : ',';
            string J(params string[] parts) => string.Join(sep, parts);
            Line(J("TITLE", title));
            Line(J("TIME", stamp, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
            Line(J("HEADER", "CLIENT_LIST", "Common Name", "Real Address", "Virtual Address", "Virtual IPv6 Address", "Bytes Received",
                "Bytes Sent", "Connected Since", "Connected Since (time_t)", "Username", "Client ID", "Peer ID", "Data Channel Cipher"));
            foreach (ClientStatus c in clients)
            {
                Line(J("CLIENT_LIST", c.CommonName, c.RealAddress, c.VirtualAddress, c.VirtualIpv6Address, N(c.BytesReceived), N(c.BytesSent),
                    Stamp(c.ConnectedSince), c.ConnectedSince.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                    c.Username ?? "UNDEF", N(c.Id), c.PeerId.ToString(CultureInfo.InvariantCulture), c.Cipher ?? "None"));
            }

            Line(J("HEADER", "ROUTING_TABLE", "Virtual Address", "Common Name", "Real Address", "Last Ref", "Last Ref (time_t)"));
            foreach (ClientStatus c in clients)
            {
                foreach (string address in c.VirtualAddresses())
                {
                    Line(J("ROUTING_TABLE", address, c.CommonName, c.RealAddress, stamp, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
                }
            }

            Line(J("GLOBAL_STATS", "Max bcast/mcast queue length", "0"));
            Line(J("GLOBAL_STATS", "dco_enabled", "0"));
            Line("END");
            return sb.ToString();
        }

        Line("OpenVPN CLIENT LIST");
        Line($"Updated,{stamp}");
        Line("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since");
        foreach (ClientStatus c in clients)
        {
            Line($"{c.CommonName},{c.RealAddress},{N(c.BytesReceived)},{N(c.BytesSent)},{Stamp(c.ConnectedSince)}");
        }

        Line("ROUTING TABLE");
        Line("Virtual Address,Common Name,Real Address,Last Ref");
        foreach (ClientStatus c in clients)
        {
            foreach (string address in c.VirtualAddresses())
            {
                Line($"{address},{c.CommonName},{c.RealAddress},{stamp}");
            }
        }

        Line("GLOBAL STATS");
        Line("Max bcast/mcast queue length,0");
        Line("END");
        return sb.ToString();
    }

    /// <summary>Rewrites the file in place (truncate + write), as OpenVPN does.</summary>
    public static void Write(string path, string text) => File.WriteAllText(path, text);

    private static string Stamp(DateTimeOffset time) => time.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
