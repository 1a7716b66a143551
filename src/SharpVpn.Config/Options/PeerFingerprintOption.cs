using System.Globalization;

namespace SharpVpn.Config;

/// <summary>
/// <c>peer-fingerprint</c> (OpenVPN 2.6): SHA-256 fingerprints of the peer certificates accepted, one on the option
/// line or one per line of a <c>&lt;peer-fingerprint&gt;</c> block (blank lines and lines starting with '#' or ';'
/// skipped); every occurrence adds to the list. Syntax as src/openvpn/options.c <c>parse_hash_fingerprint</c>:
/// 32 bytes, each exactly two hex digits (either case), separated by ':'.
/// </summary>
internal static class PeerFingerprintOption
{
    public const int Length = 32;

    public static readonly OptionDefinition Definition = new("peer-fingerprint", 1, 1, static (s, l) => Add(s, l),
        "peer-fingerprint AA:BB:..: SHA-256 fingerprint of an accepted peer certificate (or an inline block of them); 'ca' becomes optional",
        AllowsInline: true);

    private static void Add(ParseState s, ConfigLine line)
    {
        s.PeerFingerprints ??= [];
        if (!line.IsInline)
        {
            s.PeerFingerprints.Add(Parse(line.Arg(0), line));
            return;
        }

        string[] lines = line.Arg(0).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            // Trailing blanks are forgiven (openvpn would refuse them); the block's own line is the opening tag.
            string text = lines[i].Trim();
            if (text.Length == 0 || text[0] is '#' or ';')
            {
                continue;
            }

            s.PeerFingerprints.Add(Parse(text, line with { LineNumber = line.LineNumber + 1 + i }));
        }
    }

    /// <summary>The 32 bytes of "AD:B0:...", or a ConfigException naming <paramref name="line"/>.</summary>
    public static byte[] Parse(string text, ConfigLine line)
    {
        string[] parts = text.Split(':');
        if (parts.Length == 1 && text.Length > 2)
        {
            throw line.Error($"'{text}' has no ':' between its bytes; write a SHA-256 fingerprint as 'openssl x509 -fingerprint -sha256' prints it (AD:B0:95:...)");
        }

        if (parts.Length != Length)
        {
            throw line.Error($"'{text}' has {parts.Length} byte(s); a SHA-256 fingerprint has {Length} (two hex digits each, separated by ':', as 'openssl x509 -fingerprint -sha256' prints it)");
        }

        var bytes = new byte[Length];
        for (int i = 0; i < Length; i++)
        {
            if (parts[i].Length != 2 || !byte.TryParse(parts[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                throw line.Error($"'{parts[i]}' (byte {i + 1} of '{text}') is not two hex digits");
            }
        }

        return bytes;
    }
}
