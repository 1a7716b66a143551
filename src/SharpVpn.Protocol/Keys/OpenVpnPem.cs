using System.Text;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// The PEM framing OpenVPN uses for tls-crypt-v2 keys (crypto.c crypto_pem_encode/decode: OpenSSL PEM_write_bio,
/// base64 in 64-character lines between "-----BEGIN label-----" and "-----END label-----").
/// </summary>
internal static class OpenVpnPem
{
    public static string Encode(string label, ReadOnlySpan<byte> data)
    {
        var sb = new StringBuilder();
        sb.Append("-----BEGIN ").Append(label).Append("-----\n");
        string b64 = Convert.ToBase64String(data);
        for (int i = 0; i < b64.Length; i += 64)
        {
            sb.Append(b64, i, Math.Min(64, b64.Length - i)).Append('\n');
        }
        sb.Append("-----END ").Append(label).Append("-----\n");
        return sb.ToString();
    }

    /// <summary>Decodes the first block with <paramref name="label"/>; errors name <paramref name="source"/>.</summary>
    public static byte[] Decode(string text, string label, string source)
    {
        string begin = $"-----BEGIN {label}-----";
        string end = $"-----END {label}-----";
        int b = text.IndexOf(begin, StringComparison.Ordinal);
        int e = b < 0 ? -1 : text.IndexOf(end, b, StringComparison.Ordinal);
        if (b < 0 || e < 0)
        {
            throw new FormatException($"{source}: not an {label} (no '{begin}' ... '{end}' block).");
        }
        var b64 = new StringBuilder();
        foreach (char c in text.AsSpan(b + begin.Length, e - b - begin.Length))
        {
            if (!char.IsWhiteSpace(c))
            {
                b64.Append(c);
            }
        }
        try
        {
            return Convert.FromBase64String(b64.ToString());
        }
        catch (FormatException)
        {
            throw new FormatException($"{source}: the {label} block is not valid base64.");
        }
    }
}
