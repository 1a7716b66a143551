using System.Globalization;
using System.Text;

namespace SharpVpn.Pki;

/// <summary>
/// Reads easy-rsa vars files without a shell. Two forms are understood:
/// <code>
///   set_var EASYRSA_REQ_COUNTRY "CN"        # easy-rsa 3
///   export KEY_COUNTRY="CN"                  # easy-rsa 2 (the tutorial's file)
/// </code>
/// Shell control lines (if/fi/echo/return/...) are skipped; an assignment we cannot parse, or a
/// known variable with a bad value, is an error naming file and line. Unknown variables are
/// ignored, as easy-rsa would merely export them.
/// </summary>
public static class VarsFile
{
    private static readonly string[] SkippedWords = ["if", "fi", "then", "else", "elif", "echo", "return", "[", "[[", "exit", "unset", "}", "{"];

    public static PkiSettings Load(string path, PkiSettings? start = null)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"Cannot read vars file {path}: {ex.Message}", ex);
        }
        return Parse(lines, path, start ?? new PkiSettings());
    }

    public static PkiSettings Parse(IReadOnlyList<string> lines, string path, PkiSettings settings)
    {
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            string where = $"{path}:{i + 1}";
            string first = line.Split([' ', '\t'], 2)[0];
            if (SkippedWords.Contains(first))
            {
                continue;
            }

            string name;
            string rawValue;
            if (first == "set_var")
            {
                string rest = line[first.Length..].Trim();
                int sp = rest.IndexOfAny([' ', '\t']);
                if (sp < 0)
                {
                    throw new PkiException($"{where}: 'set_var' needs a name and a value.");
                }
                name = rest[..sp];
                rawValue = rest[sp..].Trim();
            }
            else
            {
                string assignment = first == "export" ? line[first.Length..].Trim() : line;
                int eq = assignment.IndexOf('=');
                if (eq <= 0 || !IsName(assignment[..eq]))
                {
                    throw new PkiException($"{where}: expected 'set_var NAME VALUE' or 'export NAME=VALUE', got '{Shorten(line)}'.");
                }
                name = assignment[..eq];
                rawValue = assignment[(eq + 1)..];
            }
            if (!IsName(name))
            {
                throw new PkiException($"{where}: '{name}' is not a valid variable name.");
            }
            string value = Unquote(rawValue, where);
            settings = Apply(settings, name, value, where);
        }
        return settings;
    }

    private static PkiSettings Apply(PkiSettings s, string name, string value, string where)
    {
        switch (name)
        {
            case "EASYRSA_REQ_COUNTRY" or "KEY_COUNTRY":
                if (value.Length != 2)
                {
                    throw new PkiException($"{where}: {name} must be a 2-letter country code, got '{value}'.");
                }
                return s with { Dn = s.Dn with { Country = value } };
            case "EASYRSA_REQ_PROVINCE" or "KEY_PROVINCE":
                return s with { Dn = s.Dn with { Province = value } };
            case "EASYRSA_REQ_CITY" or "KEY_CITY":
                return s with { Dn = s.Dn with { City = value } };
            case "EASYRSA_REQ_ORG" or "KEY_ORG":
                return s with { Dn = s.Dn with { Org = value } };
            case "EASYRSA_REQ_EMAIL" or "KEY_EMAIL":
                return s with { Dn = s.Dn with { Email = value } };
            case "EASYRSA_REQ_OU" or "KEY_OU":
                return s with { Dn = s.Dn with { OrgUnit = value } };
            case "EASYRSA_REQ_CN":
                return value == "ChangeMe" ? s : s with { RequestCn = value };
            case "EASYRSA_DN":
                return s with { DnMode = ParseDnMode(value, where) };
            case "EASYRSA_ALGO":
                return s with { Algorithm = ParseAlgorithm(value, where) };
            case "EASYRSA_KEY_SIZE" or "KEY_SIZE":
                int size = ParseInt(name, value, where, 512, 16384);
                if (size < 2048)
                {
                    // Old easy-rsa 2 files say 1024; OpenSSL 3 and NIST have retired RSA keys that short.
                    throw new PkiException($"{where}: {name}={size} is too weak for RSA keys today; use 2048 or more.");
                }
                return s with { KeySize = size };
            case "EASYRSA_CURVE":
                return s with { Curve = value };
            case "EASYRSA_CA_EXPIRE" or "CA_EXPIRE":
                return s with { CaDays = ParseInt(name, value, where, 1, 36500) };
            case "EASYRSA_CERT_EXPIRE" or "KEY_EXPIRE":
                return s with { CertDays = ParseInt(name, value, where, 1, 36500) };
            case "EASYRSA_CRL_DAYS":
                return s with { CrlDays = ParseInt(name, value, where, 1, 36500) };
            case "EASYRSA_DIGEST":
                if (value is not ("sha256" or "sha384" or "sha512"))
                {
                    throw new PkiException($"{where}: EASYRSA_DIGEST must be sha256, sha384 or sha512, got '{value}'.");
                }
                return s with { Digest = value };
            case "EASYRSA_PASSIN" or "EASYRSA_PASSOUT":
                // easy-rsa refuses these too: passphrases do not belong in a config file.
                throw new PkiException($"{where}: {name} must not be stored in a vars file; use --passin/--passout.");
            default:
                return s;
        }
    }

    public static DnMode ParseDnMode(string value, string where) => value switch
    {
        "cn_only" => DnMode.CnOnly,
        "org" => DnMode.Org,
        _ => throw new PkiException($"{where}: DN mode must be 'cn_only' or 'org', got '{value}'."),
    };

    public static KeyAlgorithm ParseAlgorithm(string value, string where) => value switch
    {
        "rsa" => KeyAlgorithm.Rsa,
        "ec" => KeyAlgorithm.Ec,
        "ed" => KeyAlgorithm.Ed,
        _ => throw new PkiException($"{where}: algorithm must be 'rsa', 'ec' or 'ed', got '{value}'."),
    };

    private static int ParseInt(string name, string value, string where, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < min || n > max)
        {
            throw new PkiException($"{where}: {name} must be a whole number from {min} to {max}, got '{value}'.");
        }
        return n;
    }

    private static bool IsName(string s) =>
        s.Length > 0 && (char.IsAsciiLetter(s[0]) || s[0] == '_') && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    /// <summary>Shell-style word: "double", 'single' or bare, with a trailing # comment allowed.</summary>
    private static string Unquote(string raw, string where)
    {
        raw = raw.Trim();
        var sb = new StringBuilder();
        int i = 0;
        while (i < raw.Length)
        {
            char c = raw[i];
            if (c is '"' or '\'' or '`')
            {
                int end = raw.IndexOf(c, i + 1);
                if (end < 0)
                {
                    throw new PkiException($"{where}: unterminated {c} quote.");
                }
                sb.Append(raw, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (char.IsWhiteSpace(c))
            {
                string rest = raw[i..].TrimStart();
                if (rest.Length == 0 || rest[0] == '#')
                {
                    break;
                }
                throw new PkiException($"{where}: unexpected text after the value: '{Shorten(rest)}' (quote values containing spaces).");
            }
            else
            {
                sb.Append(c);
                i++;
            }
        }
        return sb.ToString();
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
