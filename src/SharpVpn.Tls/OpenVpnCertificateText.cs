using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SharpVpn.Tls;

/// <summary>Certificate names as OpenVPN writes them in logs and gives them to scripts.</summary>
public static class OpenVpnCertificateText
{
    /// <summary>
    /// The one of <paramref name="authorities"/> whose subject is <paramref name="certificate"/>'s issuer (the chain's
    /// depth 1 as OpenVPN's scripts see it), or null.
    /// </summary>
    public static X509Certificate2? IssuerAmong(IEnumerable<X509Certificate2> authorities, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(authorities);
        ArgumentNullException.ThrowIfNull(certificate);
        return authorities.FirstOrDefault(ca => ca.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData));
    }

    /// <summary>
    /// The subject as OpenVPN prints it (X509_NAME_print_ex with XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_FN_SN):
    /// RDNs in certificate order, "SN=value" joined by ", ", e.g. "C=US, O=Example, CN=server".
    /// </summary>
    public static string Subject(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder();
        // .NET enumerates the RDNs last-first by default; OpenSSL prints them in certificate order.
        foreach (X500RelativeDistinguishedName rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (sb.Length > 0)
            {
                sb.Append(", ");
            }
            if (rdn.HasMultipleElements)
            {
                sb.Append(new X500DistinguishedName(rdn.RawData.Span).Name);
                continue;
            }
            string oid = rdn.GetSingleElementType().Value ?? "?";
            sb.Append(ShortName(oid)).Append('=').Append(rdn.GetSingleElementValue());
        }
        return sb.ToString();
    }

    /// <summary>
    /// The subject's single-valued fields by OpenSSL short name, in certificate order (OpenVPN's X509_{depth}_{name}
    /// script variables, e.g. X509_0_CN, X509_0_O, X509_0_emailAddress).
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> SubjectFields(X500DistinguishedName name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (X500RelativeDistinguishedName rdn in name.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementValue() is { } value)
            {
                yield return new(ShortName(rdn.GetSingleElementType().Value ?? "?"), value);
            }
        }
    }

    private static string ShortName(string oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.5" => "serialNumber",
        "2.5.4.4" => "SN",
        "2.5.4.42" => "GN",
        "2.5.4.12" => "title",
        "2.5.4.41" => "name",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        "0.9.2342.19200300.100.1.1" => "UID",
        _ => oid,
    };
}
