using System.Globalization;
using System.Text;

namespace SharpVpn.Protocol.Control;

/// <summary>IV_PROTO bits (openvpn-protocol.md §7.4; src/openvpn/ssl.h).</summary>
[Flags]
public enum IvProtoFlags
{
    None = 0,
    DataV2 = 1 << 1,
    RequestPush = 1 << 2,
    TlsKeyExport = 1 << 3,
    AuthPendingKeyword = 1 << 4,
    NcpP2p = 1 << 5,
    DnsOption = 1 << 6,
    CcExitNotify = 1 << 7,
    AuthFailTemp = 1 << 8,
    DynTlsCrypt = 1 << 9,
}

/// <summary>
/// The peer-info block of key method 2: "NAME=value\n" lines (openvpn-protocol.md §7.4; src/openvpn/ssl.c
/// <c>push_peer_info</c>). Parsing keeps the first value of each name and ignores malformed lines.
/// </summary>
public sealed class PeerInfo
{
    private readonly Dictionary<string, string> _values;

    private PeerInfo(Dictionary<string, string> values, string raw)
    {
        _values = values;
        Raw = raw;
    }

    public static PeerInfo Empty { get; } = new(new Dictionary<string, string>(StringComparer.Ordinal), string.Empty);

    /// <summary>The text as received.</summary>
    public string Raw { get; }

    public IReadOnlyDictionary<string, string> Values => _values;

    public string? this[string name] => _values.TryGetValue(name, out string? v) ? v : null;

    /// <summary>IV_PROTO as flags (0 when absent or not a number).</summary>
    public IvProtoFlags Proto =>
        int.TryParse(this["IV_PROTO"], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? (IvProtoFlags)v : IvProtoFlags.None;

    /// <summary>IV_NCP value (0 when absent).</summary>
    public int NcpVersion =>
        int.TryParse(this["IV_NCP"], NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 0;

    /// <summary>IV_CIPHERS split at ':'; null when absent.</summary>
    public IReadOnlyList<string>? Ciphers =>
        this["IV_CIPHERS"] is { } list ? list.Split(':', StringSplitOptions.RemoveEmptyEntries) : null;

    public static PeerInfo Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return Empty;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.TrimEnd('\r');
            int eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            values.TryAdd(line[..eq], line[(eq + 1)..]);
        }
        return new PeerInfo(values, text);
    }

    /// <summary>Formats NAME=value lines, each ending in '\n', in the given order.</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> items)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in items)
        {
            sb.Append(name).Append('=').Append(value).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The peer-info a SharpVPN client sends, in 2.6's order: IV_VER, IV_PLAT, IV_TCPNL, IV_NCP (only if both GCM
    /// ciphers are acceptable), IV_CIPHERS, IV_PROTO, compression stubs, then <paramref name="extra"/>.
    /// IV_PROTO never has TLS_KEY_EXPORT (SslStream has no exporter) nor DYN_TLS_CRYPT.
    /// </summary>
    public static string BuildClient(IReadOnlyList<string> dataCiphers, IvProtoFlags proto, string version = "2.6.14",
        string platform = "linux", IEnumerable<KeyValuePair<string, string>>? extra = null)
    {
        var items = new List<KeyValuePair<string, string>>
        {
            new("IV_VER", version),
            new("IV_PLAT", platform),
            new("IV_TCPNL", "1"),
        };
        if (CipherNegotiation.Contains(dataCiphers, "AES-256-GCM") && CipherNegotiation.Contains(dataCiphers, "AES-128-GCM"))
        {
            items.Add(new("IV_NCP", "2"));
        }
        items.Add(new("IV_CIPHERS", string.Join(':', dataCiphers)));
        items.Add(new("IV_PROTO", ((int)proto).ToString(CultureInfo.InvariantCulture)));
        items.Add(new("IV_LZO_STUB", "1"));
        items.Add(new("IV_COMP_STUB", "1"));
        items.Add(new("IV_COMP_STUBv2", "1"));
        if (extra is not null)
        {
            items.AddRange(extra);
        }
        return Format(items);
    }
}
