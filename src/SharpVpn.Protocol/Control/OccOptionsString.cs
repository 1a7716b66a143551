using System.Globalization;
using System.Text;

namespace SharpVpn.Protocol.Control;

/// <summary>Transport as the OCC string names it (src/openvpn/socket.c <c>proto_remote</c>): always the "v4" spelling.</summary>
public enum OccProto
{
    Udp,
    TcpClient,
    TcpServer,
}

/// <summary>
/// Builds the OCC options string sent in key method 2 (openvpn-protocol.md §7.3; src/openvpn/options.c
/// <c>options_string</c>, mtu.c <c>calc_options_string_link_mtu</c>, v2.6.14). A mismatch only makes 2.6 log
/// a warning, but the server reads <c>cipher</c> and <c>comp-lzo</c> out of it, so we build it as 2.6 does.
/// </summary>
public sealed class OccOptionsString
{
    /// <summary><c>dev-type</c>: "tun" or "tap".</summary>
    public string DevType { get; init; } = "tun";

    public int TunMtu { get; init; } = 1500;

    public OccProto Proto { get; init; } = OccProto.Udp;

    /// <summary>Any compression framing configured (<c>comp-lzo</c>, <c>compress</c>): adds ",comp-lzo".</summary>
    public bool CompressionFraming { get; init; }

    /// <summary>The configured <c>cipher</c> (2.6 default BF-CBC); announced only if it is in <see cref="DataCiphers"/>.</summary>
    public string Cipher { get; init; } = "BF-CBC";

    /// <summary>The configured <c>auth</c> digest (default SHA1).</summary>
    public string Auth { get; init; } = "SHA1";

    public IReadOnlyList<string> DataCiphers { get; init; } = CipherNegotiation.DefaultDataCiphers;

    /// <summary>True if <c>tls-auth</c> is configured (tls-crypt is not announced, as in OpenVPN).</summary>
    public bool TlsAuth { get; init; }

    public bool IsServer { get; init; }

    public string Build()
    {
        var sb = new StringBuilder("V4");
        sb.Append(",dev-type ").Append(DevType);
        sb.Append(",link-mtu ").Append(LinkMtu().ToString(CultureInfo.InvariantCulture));
        sb.Append(",tun-mtu ").Append(TunMtu.ToString(CultureInfo.InvariantCulture));
        sb.Append(",proto ").Append(Proto switch
        {
            OccProto.TcpClient => "TCPv4_CLIENT",
            OccProto.TcpServer => "TCPv4_SERVER",
            _ => "UDPv4",
        });
        if (CompressionFraming)
        {
            sb.Append(",comp-lzo");
        }
        bool bf = string.Equals(Cipher, "BF-CBC", StringComparison.OrdinalIgnoreCase);
        string cipherName = Cipher.ToUpperInvariant();
        if (CipherNegotiation.Contains(DataCiphers, cipherName))
        {
            sb.Append(",cipher ").Append(string.Equals(cipherName, "NONE", StringComparison.Ordinal) ? "[null-cipher]" : cipherName);
        }
        sb.Append(",auth ").Append(bf ? Auth.ToUpperInvariant() : AuthName());
        sb.Append(",keysize ").Append(bf ? 128 : KeyBits(cipherName));
        if (TlsAuth)
        {
            sb.Append(",tls-auth");
        }
        sb.Append(",key-method 2");
        sb.Append(IsServer ? ",tls-server" : ",tls-client");
        return sb.ToString();
    }

    private bool IsAead(string cipher) => cipher.EndsWith("-GCM", StringComparison.Ordinal) || cipher == "CHACHA20-POLY1305";

    private string AuthName() =>
        IsAead(Cipher.ToUpperInvariant()) || string.Equals(Auth, "none", StringComparison.OrdinalIgnoreCase) ? "[null-digest]" : Auth.ToUpperInvariant();

    private static int KeyBits(string cipher) => cipher switch
    {
        _ when cipher.StartsWith("AES-128", StringComparison.Ordinal) => 128,
        _ when cipher.StartsWith("AES-192", StringComparison.Ordinal) => 192,
        _ when cipher.StartsWith("AES-256", StringComparison.Ordinal) => 256,
        "CHACHA20-POLY1305" => 256,
        _ => 0,
    };

    private static int DigestBytes(string auth) => auth.ToUpperInvariant() switch
    {
        "SHA1" => 20,
        "SHA224" => 28,
        "SHA256" => 32,
        "SHA384" => 48,
        "SHA512" => 64,
        "MD5" => 16,
        _ => 0,
    };

    /// <summary>
    /// link-mtu as 2.6 computes it for the OCC string (mtu.c, crypto.c <c>calculate_crypto_overhead</c> with occ=true):
    /// tun-mtu + payload overhead (compression byte; CBC packet-id) + opcode (1, peer-id not yet known) + TCP length (2)
    /// + crypto overhead (AEAD: packet-id 4 + tag 16 + IV 12 + block 1; CBC: block + IV + HMAC; BF-CBC: 8 + 8 + HMAC + packet-id 4).
    /// </summary>
    public int LinkMtu()
    {
        string cipher = Cipher.ToUpperInvariant();
        int payload = TunMtu + (CompressionFraming ? 1 : 0);
        int header = 1 + (Proto == OccProto.Udp ? 0 : 2);
        if (cipher == "BF-CBC")
        {
            header += 8 + 8 + DigestBytes(Auth) + 4;
        }
        else if (IsAead(cipher))
        {
            header += 4 + 16 + 12 + 1;
        }
        else if (cipher == "NONE")
        {
            header += 4 + DigestBytes(Auth);
        }
        else
        {
            payload += 4;
            header += 16 + 16 + DigestBytes(Auth);
        }
        return payload + header;
    }

    /// <summary>Reads one item (e.g. "cipher") from a received options string; null if absent.</summary>
    public static string? Extract(string options, string name)
    {
        foreach (string item in options.Split(','))
        {
            if (item.StartsWith(name + " ", StringComparison.Ordinal))
            {
                string value = item[(name.Length + 1)..];
                return value == "[null-cipher]" ? "none" : value;
            }
        }
        return null;
    }

    /// <summary>True if the received options string contains the bare item (e.g. "comp-lzo").</summary>
    public static bool Has(string options, string item)
    {
        foreach (string part in options.Split(','))
        {
            if (part == item)
            {
                return true;
            }
        }
        return false;
    }
}
