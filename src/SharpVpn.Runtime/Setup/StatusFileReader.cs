using System.Globalization;

namespace SharpVpn.Runtime.Setup;

/// <summary>One connected client from the server's status file.</summary>
public sealed record ConnectedClient(string CommonName, string RealAddress, string VirtualAddress, long BytesReceived, long BytesSent, string ConnectedSince);

/// <summary>
/// Reads the connected clients from an OpenVPN status file, versions 1 (CSV sections), 2 (typed
/// comma lines) and 3 (typed TAB lines), as OpenVPN 2.6 and SharpVPN write them (multi.c multi_print_status).
/// </summary>
public static class StatusFileReader
{
    public static IReadOnlyList<ConnectedClient> Read(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }

        return Parse(text);
    }

    public static IReadOnlyList<ConnectedClient> Parse(string text)
    {
        var clients = new List<ConnectedClient>();
        string[] lines = text.ReplaceLineEndings("\n").Split('\n');
        // v2/v3: CLIENT_LIST,CN,Real,Virtual,Virtual6,BytesRecv,BytesSent,Since,Since_t,...
        foreach (string line in lines)
        {
            char sep = line.StartsWith("CLIENT_LIST\t", StringComparison.Ordinal) ? '\t' : ',';
            if (!line.StartsWith("CLIENT_LIST" + sep, StringComparison.Ordinal))
            {
                continue;
            }

            string[] f = line.Split(sep);
            if (f.Length >= 8)
            {
                clients.Add(new ConnectedClient(f[1], f[2], f[3], Long(f[5]), Long(f[6]), f[7]));
            }
        }

        if (clients.Count > 0 || !text.StartsWith("OpenVPN CLIENT LIST", StringComparison.Ordinal))
        {
            return clients;
        }

        // v1: "Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since" rows, then ROUTING TABLE "Virtual Address,Common Name,Real Address,Last Ref".
        var virtualByCn = new Dictionary<string, string>(StringComparer.Ordinal);
        string section = "";
        var rows = new List<string[]>();
        foreach (string line in lines)
        {
            if (line is "ROUTING TABLE" or "GLOBAL STATS" or "END")
            {
                section = line;
                continue;
            }

            string[] f = line.Split(',');
            if (section == "" && f.Length >= 5 && f[0] != "Common Name" && f[0] != "Updated")
            {
                rows.Add(f);
            }
            else if (section == "ROUTING TABLE" && f.Length >= 4 && f[0] != "Virtual Address")
            {
                virtualByCn.TryAdd(f[1], f[0]);
            }
        }

        foreach (string[] f in rows)
        {
            clients.Add(new ConnectedClient(f[0], f[1], virtualByCn.GetValueOrDefault(f[0], ""), Long(f[2]), Long(f[3]), f[4]));
        }

        return clients;
    }

    private static long Long(string s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) ? v : 0;
}
