using System.Globalization;
using System.Text;

namespace SharpVpn.Pki;

/// <summary>One line of the OpenSSL CA database (pki/index.txt).</summary>
public sealed record IndexEntry
{
    /// <summary>'V' valid, 'R' revoked, 'E' expired (openssl ca -updatedb).</summary>
    public char Status { get; init; }
    public DateTimeOffset NotAfter { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }

    /// <summary>The revocation reason as openssl spells it, e.g. "keyCompromise"; null if none.</summary>
    public string? ReasonText { get; init; }

    /// <summary>Serial in openssl's spelling: upper-case hex, whole bytes.</summary>
    public required string Serial { get; init; }
    public string FileName { get; init; } = "unknown";

    /// <summary>Subject in openssl's one-line form, e.g. "/CN=client1".</summary>
    public required string Subject { get; init; }
}

/// <summary>
/// Reads and writes pki/index.txt, OpenSSL's "ca" text database, so that easy-rsa (which runs
/// <c>openssl ca</c>) and we can keep one database between us. Layout (openssl apps/ca.c,
/// DB_type/DB_exp_date/DB_rev_date/DB_serial/DB_file/DB_name), six TAB-separated fields:
/// <code>
///   V  250101120000Z                      0123..ABCD  unknown  /CN=client1
///   R  250101120000Z  240601080000Z,keyCompromise  0123..ABCD  unknown  /CN=client2
/// </code>
/// Dates are UTCTime (YYMMDDHHMMSSZ) before 2050 and GeneralizedTime (YYYYMMDDHHMMSSZ) after.
/// </summary>
internal static class CaDatabase
{
    public static readonly string[] ReasonNames =
        ["unspecified", "keyCompromise", "CACompromise", "affiliationChanged", "superseded", "cessationOfOperation", "certificateHold"];

    public static List<IndexEntry> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new PkiException($"The CA database {path} does not exist: run build-ca first.");
        }
        string[] lines = File.ReadAllLines(path);
        var entries = new List<IndexEntry>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }
            entries.Add(ParseLine(lines[i], $"{path}:{i + 1}"));
        }
        return entries;
    }

    public static IndexEntry ParseLine(string line, string where)
    {
        string[] f = line.Split('\t');
        if (f.Length != 6)
        {
            throw new PkiException($"{where}: expected 6 tab-separated fields in the CA database, found {f.Length}.");
        }
        char status = f[0].Length == 1 ? f[0][0] : '?';
        if (status is not ('V' or 'R' or 'E'))
        {
            throw new PkiException($"{where}: unknown status '{f[0]}' (expected V, R or E).");
        }
        DateTimeOffset notAfter = ParseTime(f[1], where, "expiry date");
        DateTimeOffset? revokedAt = null;
        string? reason = null;
        if (status == 'R')
        {
            string[] rev = f[2].Split(',', 2);
            revokedAt = ParseTime(rev[0], where, "revocation date");
            if (rev.Length == 2)
            {
                reason = rev[1];
            }
        }
        else if (f[2].Length != 0)
        {
            throw new PkiException($"{where}: a {(status == 'V' ? "valid" : "expired")} entry must have an empty revocation field.");
        }
        if (f[3].Length == 0 || !f[3].All(char.IsAsciiHexDigit))
        {
            throw new PkiException($"{where}: serial '{f[3]}' is not hexadecimal.");
        }
        return new IndexEntry
        {
            Status = status,
            NotAfter = notAfter,
            RevokedAt = revokedAt,
            ReasonText = reason,
            Serial = f[3].ToUpperInvariant(),
            FileName = f[4],
            Subject = f[5],
        };
    }

    public static string Format(IEnumerable<IndexEntry> entries)
    {
        var sb = new StringBuilder();
        foreach (IndexEntry e in entries)
        {
            sb.Append(e.Status).Append('\t').Append(FormatTime(e.NotAfter)).Append('\t');
            if (e.Status == 'R' && e.RevokedAt is { } at)
            {
                sb.Append(FormatTime(at));
                if (e.ReasonText is not null)
                {
                    sb.Append(',').Append(e.ReasonText);
                }
            }
            sb.Append('\t').Append(e.Serial).Append('\t').Append(e.FileName).Append('\t').Append(e.Subject).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050 (as openssl writes).</summary>
    public static string FormatTime(DateTimeOffset t)
    {
        DateTime u = t.UtcDateTime;
        return u.Year < 2050
            ? u.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture) + "Z"
            : u.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "Z";
    }

    public static DateTimeOffset ParseTime(string s, string where, string what)
    {
        string[] formats = s.Length == 13 ? ["yyMMddHHmmss'Z'"] : ["yyyyMMddHHmmss'Z'"];
        if (!DateTime.TryParseExact(s, formats, CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime dt))
        {
            throw new PkiException($"{where}: invalid {what} '{s}'.");
        }
        if (s.Length == 13)
        {
            // UTCTime: YY >= 50 means 19YY (RFC 5280), .NET's two-digit-year window differs.
            int yy = int.Parse(s.AsSpan(0, 2), CultureInfo.InvariantCulture);
            int year = yy >= 50 ? 1900 + yy : 2000 + yy;
            dt = new DateTime(year, dt.Month, dt.Day, dt.Hour, dt.Minute, dt.Second, DateTimeKind.Utc);
        }
        return new DateTimeOffset(dt, TimeSpan.Zero);
    }

    public static string ReasonName(RevocationReason reason) => ReasonNames[(int)reason];

    public static RevocationReason ParseReason(string text, string where)
    {
        int i = Array.IndexOf(ReasonNames, text);
        if (i < 0)
        {
            throw new PkiException($"{where}: unknown revocation reason '{text}' (use one of: {string.Join(", ", ReasonNames)}).");
        }
        return (RevocationReason)i;
    }

    /// <summary>openssl's X509_NAME_oneline form, "/C=US/CN=name".</summary>
    public static string OneLine(System.Security.Cryptography.X509Certificates.X500DistinguishedName name)
    {
        var sb = new StringBuilder();
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            string oid = rdn.GetSingleElementType().Value ?? "";
            string label = oid switch
            {
                "2.5.4.6" => "C",
                "2.5.4.8" => "ST",
                "2.5.4.7" => "L",
                "2.5.4.10" => "O",
                "2.5.4.11" => "OU",
                "2.5.4.3" => "CN",
                "1.2.840.113549.1.9.1" => "emailAddress",
                "2.5.4.41" => "name",
                _ => oid,
            };
            string value = rdn.GetSingleElementValue() ?? "";
            sb.Append('/').Append(label).Append('=');
            foreach (char c in value)
            {
                // X509_NAME_oneline escapes non-printable bytes as \xHH.
                if (c < 0x20 || c == 0x7f)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:X2}");
                }
                else
                {
                    sb.Append(c);
                }
            }
        }
        return sb.ToString();
    }
}
