using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>
/// <see cref="PeerName"/>: the peer's name by <c>x509-username-field</c> as OpenVPN 2.6 extracts it
/// (ssl_verify_openssl.c backend_x509_get_username, ssl_verify.c verify_cert): last occurrence, fields joined by '_',
/// 64-byte limit, non-printable bytes as '_', the serial number, the last email of subjectAltName.
/// </summary>
public sealed class PeerNameTests
{
    private const string Cn = "2.5.4.3";
    private const string Ou = "2.5.4.11";
    private const string Email = "1.2.840.113549.1.9.1";

    private static readonly PeerNameField OuField = new("OU", PeerNameSource.SubjectAttribute, Ou);
    private static readonly PeerNameField EmailField = new("emailAddress", PeerNameSource.SubjectAttribute, Email);
    private static readonly PeerNameField SanEmail = new("ext:subjectAltName", PeerNameSource.AltNameEmail, "2.5.29.17");

    [Fact]
    public void Default_IsTheLastCnInCertificateOrder()
    {
        using X509Certificate2 cert = Certificate([(Cn, "first"), (Ou, "ops"), (Cn, "second")]);
        Assert.Equal("second", Extract(cert, PeerNameField.CommonName));
        Assert.Equal("CN=first, OU=ops, CN=second", OpenVpnCertificateText.Subject(cert.SubjectName));
    }

    [Fact]
    public void SeveralFields_AreJoinedByUnderscore()
    {
        using X509Certificate2 cert = Certificate([(Cn, "carol"), (Ou, "ops"), (Email, "carol@example.org")]);
        Assert.Equal("carol@example.org_ops", Extract(cert, EmailField, OuField));
    }

    [Fact]
    public void AMissingField_IsRefused_WithOpenVpnsMessage()
    {
        using X509Certificate2 cert = Certificate([(Cn, "dave")]);
        Assert.Null(PeerName.Extract(cert, [OuField], out string? problem));
        Assert.Equal("VERIFY ERROR: could not extract OU from X509 subject string ('CN=dave') -- note that the field length is limited to 64 characters", problem);
    }

    [Fact]
    public void ASubjectFieldOver64Bytes_IsRefused()
    {
        using X509Certificate2 ok = Certificate([(Cn, new string('a', 64))]);
        using X509Certificate2 tooLong = Certificate([(Cn, new string('a', 65))]);
        Assert.Equal(new string('a', 64), Extract(ok, PeerNameField.CommonName));
        Assert.Null(PeerName.Extract(tooLong, [PeerNameField.CommonName], out string? problem));
        Assert.NotNull(problem);
    }

    [Fact]
    public void ControlCharacters_BecomeUnderscores_NonAsciiStays()
    {
        // string_mod_remap_name: CC_PRINT is any byte from 32 up except 127, so UTF-8 passes and controls do not.
        using X509Certificate2 cert = Certificate([(Cn, "José\tx")]);
        Assert.Equal("José_x", Extract(cert, PeerNameField.CommonName));
        Assert.Equal("José_x_\u0080ok", OpenVpnStringMod.ReplaceControls("José\u007fx\u0001\u0080ok"));
    }

    [Fact]
    public void SerialNumber_IsHexWithoutTheSignByte()
    {
        using X509Certificate2 cert = Certificate([(Cn, "x")], serial: [0xAB, 0x01, 0xCD]);
        Assert.Equal("0xAB01CD", Extract(cert, new PeerNameField("serialNumber", PeerNameSource.CertificateSerial, null)));
    }

    [Fact]
    public void SubjectAltName_TakesTheLastEmail_IgnoringOtherNames_AndNoneIsRefused()
    {
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("host.example.org");
        san.AddEmailAddress("first@example.org");
        san.AddEmailAddress("last@example.org");
        san.AddDnsName("other.example.org");
        using X509Certificate2 cert = Certificate([(Cn, "x")], extension: san.Build());
        Assert.Equal("last@example.org", Extract(cert, SanEmail));

        var dnsOnly = new SubjectAlternativeNameBuilder();
        dnsOnly.AddDnsName("host.example.org");
        using X509Certificate2 noEmail = Certificate([(Cn, "x")], extension: dnsOnly.Build());
        Assert.Null(PeerName.Extract(noEmail, [SanEmail], out string? problem));
        Assert.Contains("could not extract ext:subjectAltName", problem, StringComparison.Ordinal);
    }

    private static string? Extract(X509Certificate2 cert, params PeerNameField[] fields)
    {
        string? name = PeerName.Extract(cert, fields, out string? problem);
        Assert.Null(problem);
        return name;
    }

    /// <summary>A self-signed certificate whose subject has exactly these attributes, in this (encoded) order.</summary>
    private static X509Certificate2 Certificate((string Oid, string Value)[] attributes, byte[]? serial = null, X509Extension? extension = null)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            foreach ((string oid, string value) in attributes)
            {
                using (writer.PushSetOf())
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(oid == Email ? UniversalTagNumber.IA5String : UniversalTagNumber.UTF8String, value);
                }
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName(writer.Encode()), key, HashAlgorithmName.SHA256);
        if (extension is not null)
        {
            request.CertificateExtensions.Add(extension);
        }

        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 signed = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key), now.AddDays(-1), now.AddDays(1),
            serial ?? [0x01, 0x02]);
        return X509CertificateLoader.LoadCertificate(signed.RawData);
    }
}
