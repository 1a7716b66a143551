namespace SharpVpn.Config;

/// <summary>
/// <c>x509-username-field [ext:]FIELD...</c> as OpenVPN 2.6 reads it (options.c): up to 15 fields whose values,
/// joined by '_', name the peer instead of its CN. A field name with no upper-case letter is upcased (with a
/// deprecation warning: "ou" becomes "OU", "emailAddress" stays); "serialNumber" is the certificate's serial number;
/// "ext:" takes the last email of subjectAltName or issuerAltName (other extensions are an error, as in OpenVPN).
/// Subject fields are OpenSSL's short or long names (case-sensitive) or dotted OIDs; a name OpenSSL would not know
/// (OpenVPN then refuses every peer at connect time) is an error here.
/// </summary>
internal static class X509UsernameFieldOption
{
    /// <summary>MAX_PARMS - 1: the option name takes one of OpenVPN's 16 parameters.</summary>
    private const int MaxFields = 15;

    public static readonly OptionDefinition Definition = new("x509-username-field", 1, MaxFields, static (s, l) => Apply(s, l),
        "x509-username-field [ext:]FIELD...: certificate field(s) naming the peer instead of the CN, e.g. emailAddress, OU, ext:subjectAltName");

    /// <summary>OpenSSL's names (obj_mac.h, short and long) of the subject attributes certificates carry.</summary>
    private static readonly Dictionary<string, string> SubjectAttributes = new(StringComparer.Ordinal)
    {
        ["CN"] = "2.5.4.3", ["commonName"] = "2.5.4.3",
        ["SN"] = "2.5.4.4", ["surname"] = "2.5.4.4",
        ["C"] = "2.5.4.6", ["countryName"] = "2.5.4.6",
        ["L"] = "2.5.4.7", ["localityName"] = "2.5.4.7",
        ["ST"] = "2.5.4.8", ["stateOrProvinceName"] = "2.5.4.8",
        ["street"] = "2.5.4.9", ["streetAddress"] = "2.5.4.9",
        ["O"] = "2.5.4.10", ["organizationName"] = "2.5.4.10",
        ["OU"] = "2.5.4.11", ["organizationalUnitName"] = "2.5.4.11",
        ["title"] = "2.5.4.12",
        ["description"] = "2.5.4.13",
        ["businessCategory"] = "2.5.4.15",
        ["postalCode"] = "2.5.4.17",
        ["name"] = "2.5.4.41",
        ["GN"] = "2.5.4.42", ["givenName"] = "2.5.4.42",
        ["initials"] = "2.5.4.43",
        ["generationQualifier"] = "2.5.4.44",
        ["x500UniqueIdentifier"] = "2.5.4.45",
        ["dnQualifier"] = "2.5.4.46",
        ["pseudonym"] = "2.5.4.65",
        ["role"] = "2.5.4.72",
        ["organizationIdentifier"] = "2.5.4.97",
        ["emailAddress"] = "1.2.840.113549.1.9.1",
        ["UID"] = "0.9.2342.19200300.100.1.1", ["userId"] = "0.9.2342.19200300.100.1.1",
        ["DC"] = "0.9.2342.19200300.100.1.25", ["domainComponent"] = "0.9.2342.19200300.100.1.25",
    };

    /// <summary>x509_username_field_ext_supported: OBJ_txt2nid's names for the two extensions OpenVPN reads.</summary>
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.Ordinal)
    {
        ["subjectAltName"] = "2.5.29.17", ["X509v3 Subject Alternative Name"] = "2.5.29.17", ["2.5.29.17"] = "2.5.29.17",
        ["issuerAltName"] = "2.5.29.18", ["X509v3 Issuer Alternative Name"] = "2.5.29.18", ["2.5.29.18"] = "2.5.29.18",
    };

    private static void Apply(ParseState s, ConfigLine line)
    {
        // As options.c, each occurrence overwrites the fields from the first on; fields of an earlier, longer
        // occurrence beyond this one's stay.
        s.X509UsernameFields ??= [X509UsernameField.CommonName];
        for (int i = 0; i < line.ArgCount; i++)
        {
            X509UsernameField field = Parse(s, line, line.Arg(i));
            if (i < s.X509UsernameFields.Count)
            {
                s.X509UsernameFields[i] = field;
            }
            else
            {
                s.X509UsernameFields.Add(field);
            }
        }
    }

    private static X509UsernameField Parse(ParseState s, ConfigLine line, string text)
    {
        if (text.StartsWith("ext:", StringComparison.Ordinal))
        {
            return Extensions.TryGetValue(text[4..], out string? extension)
                ? new X509UsernameField(text, X509UsernameSource.AltNameEmail, extension)
                : throw line.Error($"Unsupported x509-username-field extension: {text} (OpenVPN reads only ext:subjectAltName and ext:issuerAltName)");
        }

        string field = text;
        if (!text.Any(char.IsAsciiLetterUpper) && text.Any(char.IsAsciiLetterLower))
        {
            field = text.ToUpperInvariant();
            s.Warn(line, $"'{text}' is upcased to '{field}' as OpenVPN does (a deprecated feature); write '{field}'");
        }

        if (field == "serialNumber")
        {
            return new X509UsernameField(field, X509UsernameSource.CertificateSerial, null);
        }

        if (SubjectAttributes.TryGetValue(field, out string? oid) || IsDottedOid(field))
        {
            return new X509UsernameField(field, X509UsernameSource.SubjectAttribute, oid ?? field);
        }

        string upcased = field == text ? string.Empty : $" ('{text}' upcased, as OpenVPN does to names without capitals)";
        throw line.Error($"'{field}'{upcased} is no certificate field OpenSSL knows; use a short or long attribute name as OpenSSL spells it (CN, OU, emailAddress, UID, ...), a dotted OID, serialNumber, or ext:subjectAltName");
    }

    private static bool IsDottedOid(string text)
    {
        string[] arcs = text.Split('.');
        return arcs.Length >= 2 && arcs.All(a => a.Length > 0 && a.All(char.IsAsciiDigit)) && arcs[0] is "0" or "1" or "2";
    }
}
