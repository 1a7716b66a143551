using System.Formats.Asn1;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SharpVpn.Tls;

/// <summary>
/// The name OpenVPN 2.6 gives a peer from its certificate (ssl_verify.c verify_cert with
/// ssl_verify_openssl.c backend_x509_get_username): each <c>x509-username-field</c> field's value, joined by '_',
/// then every control byte replaced by '_' (string_mod_remap_name). The one place both the
/// certificate check (a peer without the field is refused) and the server's naming of a client use.
/// </summary>
public static class PeerName
{
    /// <summary>TLS_USERNAME_LEN: a subject field longer than this (in bytes) is refused; an email is cut to it.</summary>
    public const int MaxFieldLength = 64;

    /// <summary>The buffer verify_cert joins the fields in (256 bytes with its terminating zero).</summary>
    private const int MaxNameLength = 255;

    /// <summary>
    /// The peer's name, or null with <paramref name="problem"/> set to OpenVPN's VERIFY ERROR line when a field is
    /// missing or too long.
    /// </summary>
    public static string? Extract(X509Certificate2 certificate, IReadOnlyList<PeerNameField> fields, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(fields);
        var name = new List<byte>();
        for (int i = 0; i < fields.Count; i++)
        {
            PeerNameField field = fields[i];
            byte[]? value = Value(certificate, field);
            if (value is null)
            {
                string subject = OpenVpnCertificateText.Subject(certificate.SubjectName);
                problem = $"VERIFY ERROR: could not extract {field.Text} from X509 subject string ('{subject}') -- note that the field length is limited to {MaxFieldLength.ToString(CultureInfo.InvariantCulture)} characters";
                return null;
            }

            if (name.Count + (i > 0 ? 1 : 0) + value.Length > MaxNameLength)
            {
                problem = $"VERIFY ERROR: could not append {field.Text} from X509 certificate -- note that the username length is limited to {MaxNameLength.ToString(CultureInfo.InvariantCulture)} characters";
                return null;
            }

            if (i > 0)
            {
                name.Add((byte)'_');
            }

            name.AddRange(value);
        }

        problem = null;
        return Remap(name);
    }

    /// <summary>
    /// The joined UTF-8 field values as a name (a byte that is not UTF-8 reads as U+FFFD), with string_mod_remap_name's
    /// control characters as '_' (<see cref="OpenVpnStringMod.ReplaceControls"/>).
    /// </summary>
    private static string Remap(List<byte> bytes) => OpenVpnStringMod.ReplaceControls(Encoding.UTF8.GetString(CollectionsMarshal.AsSpan(bytes)));

    /// <summary>One field's UTF-8 value, or null when the certificate lacks it (or it is too long).</summary>
    private static byte[]? Value(X509Certificate2 certificate, PeerNameField field) => field.Source switch
    {
        PeerNameSource.CertificateSerial => Encoding.ASCII.GetBytes(SerialText(certificate)),
        PeerNameSource.AltNameEmail => AltNameEmail(certificate, field.Oid!),
        _ => SubjectAttribute(certificate.SubjectName, field.Oid!),
    };

    /// <summary>"0x" and the serial's magnitude in upper-case hex (format_hex_ex with FHE_CAPS, no separator).</summary>
    private static string SerialText(X509Certificate2 certificate)
    {
        ReadOnlySpan<byte> serial = certificate.SerialNumberBytes.Span;
        while (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..]; // DER's sign byte: OpenSSL's ASN1_INTEGER holds the magnitude only
        }

        return "0x" + Convert.ToHexString(serial);
    }

    /// <summary>
    /// extract_x509_field_ssl: the LAST entry of that type in the subject (multi-valued RDNs included), as UTF-8;
    /// null if absent, not a string, or longer than <see cref="MaxFieldLength"/> bytes.
    /// </summary>
    private static byte[]? SubjectAttribute(X500DistinguishedName subject, string oid)
    {
        byte[]? found = null;
        try
        {
            AsnReader name = new AsnReader(subject.RawData, AsnEncodingRules.BER).ReadSequence();
            while (name.HasData)
            {
                AsnReader rdn = name.ReadSetOf();
                while (rdn.HasData)
                {
                    AsnReader attribute = rdn.ReadSequence();
                    string type = attribute.ReadObjectIdentifier();
                    if (type == oid)
                    {
                        found = StringValue(attribute);
                    }
                    else
                    {
                        attribute.ReadEncodedValue();
                    }
                }
            }
        }
        catch (AsnContentException)
        {
            return null;
        }

        return found is { Length: <= MaxFieldLength } ? found : null;
    }

    /// <summary>ASN1_STRING_to_UTF8 of a directory string; null for a value that is no string.</summary>
    private static byte[]? StringValue(AsnReader reader)
    {
        Asn1Tag tag = reader.PeekTag();
        if (tag.TagClass != TagClass.Universal)
        {
            reader.ReadEncodedValue();
            return null;
        }

        switch ((UniversalTagNumber)tag.TagValue)
        {
            case UniversalTagNumber.UTF8String or UniversalTagNumber.PrintableString or UniversalTagNumber.IA5String
                or UniversalTagNumber.BMPString or UniversalTagNumber.UniversalString or UniversalTagNumber.VisibleString
                or UniversalTagNumber.NumericString:
                return Encoding.UTF8.GetBytes(reader.ReadCharacterString((UniversalTagNumber)tag.TagValue));
            case UniversalTagNumber.T61String:
                // OpenSSL treats T61String as Latin-1.
                ReadOnlyMemory<byte> encoded = reader.ReadEncodedValue();
                AsnDecoder.ReadEncodedValue(encoded.Span, AsnEncodingRules.BER, out int offset, out int length, out _);
                return Encoding.UTF8.GetBytes(Encoding.Latin1.GetString(encoded.Span.Slice(offset, length)));
            default:
                reader.ReadEncodedValue();
                return null;
        }
    }

    /// <summary>
    /// extract_x509_extension: the LAST rfc822Name (email) of the subjectAltName / issuerAltName extension, cut to
    /// <see cref="MaxFieldLength"/> bytes as strncpynt does; other name types (DNS, IP, ...) are ignored. Null if none.
    /// </summary>
    private static byte[]? AltNameEmail(X509Certificate2 certificate, string oid)
    {
        if (certificate.Extensions[oid] is not { } extension)
        {
            return null;
        }

        byte[]? found = null;
        try
        {
            AsnReader names = new AsnReader(extension.RawData, AsnEncodingRules.BER).ReadSequence();
            var rfc822Name = new Asn1Tag(TagClass.ContextSpecific, 1);
            while (names.HasData)
            {
                if (names.PeekTag() == rfc822Name)
                {
                    byte[] email = names.ReadOctetString(rfc822Name);
                    if (Array.IndexOf(email, (byte)0) < 0)
                    {
                        found = email.Length > MaxFieldLength ? email[..MaxFieldLength] : email;
                    }
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return found;
        }

        return found;
    }
}
