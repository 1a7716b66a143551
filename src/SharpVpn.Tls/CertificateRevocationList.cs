using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// One parsed X.509 CRL (<c>crl-verify FILE</c>). .NET has no offline CRL lookup API that fits, so we
/// read the list ourselves and check the peer's serial, the CRL's issuer, signature and validity period,
/// the checks OpenSSL makes for OpenVPN (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL,
/// src/openvpn/ssl_openssl.c <c>backend_tls_ctx_reload_crl</c>).
/// </summary>
/// <remarks>
/// Layout read (RFC 5280 §5.1):
/// <code>
/// CertificateList ::= SEQUENCE { tbsCertList TBSCertList, signatureAlgorithm AlgorithmIdentifier, signatureValue BIT STRING }
/// TBSCertList ::= SEQUENCE {
///   version INTEGER OPTIONAL, signature AlgorithmIdentifier, issuer Name,
///   thisUpdate Time, nextUpdate Time OPTIONAL,
///   revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
///   crlExtensions [0] EXPLICIT Extensions OPTIONAL }
/// Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
/// </code>
/// </remarks>
public sealed class CertificateRevocationList
{
    private readonly HashSet<string> _revokedSerials;
    private readonly byte[] _tbs;
    private readonly byte[] _signature;
    private readonly string _signatureAlgorithm;

    private CertificateRevocationList(X500DistinguishedName issuer, DateTimeOffset thisUpdate, DateTimeOffset? nextUpdate,
        HashSet<string> revokedSerials, byte[] tbs, string signatureAlgorithm, byte[] signature)
    {
        Issuer = issuer;
        ThisUpdate = thisUpdate;
        NextUpdate = nextUpdate;
        _revokedSerials = revokedSerials;
        _tbs = tbs;
        _signatureAlgorithm = signatureAlgorithm;
        _signature = signature;
    }

    public X500DistinguishedName Issuer { get; }

    public DateTimeOffset ThisUpdate { get; }

    public DateTimeOffset? NextUpdate { get; }

    public int RevokedCount => _revokedSerials.Count;

    /// <summary>True if the certificate's serial number is listed (the caller checks the issuer matches).</summary>
    public bool IsRevoked(X509Certificate2 certificate) => _revokedSerials.Contains(NormalizeSerial(certificate.SerialNumberBytes.Span));

    /// <summary>True if this CRL was issued (by name) by the issuer of <paramref name="certificate"/>.</summary>
    public bool CoversIssuerOf(X509Certificate2 certificate) => Issuer.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData);

    /// <summary>Verifies the CRL's signature with the issuing CA's public key.</summary>
    public bool IsSignedBy(X509Certificate2 issuer)
    {
        HashAlgorithmName? hash = _signatureAlgorithm switch
        {
            "1.2.840.113549.1.1.5" or "1.2.840.10045.4.1" => HashAlgorithmName.SHA1,
            "1.2.840.113549.1.1.11" or "1.2.840.10045.4.3.2" => HashAlgorithmName.SHA256,
            "1.2.840.113549.1.1.12" or "1.2.840.10045.4.3.3" => HashAlgorithmName.SHA384,
            "1.2.840.113549.1.1.13" or "1.2.840.10045.4.3.4" => HashAlgorithmName.SHA512,
            _ => null,
        };
        if (hash is null)
        {
            return false;
        }
        using RSA? rsa = issuer.GetRSAPublicKey();
        if (rsa is not null)
        {
            return _signatureAlgorithm.StartsWith("1.2.840.113549.", StringComparison.Ordinal)
                && rsa.VerifyData(_tbs, _signature, hash.Value, RSASignaturePadding.Pkcs1);
        }
        using ECDsa? ecdsa = issuer.GetECDsaPublicKey();
        if (ecdsa is not null)
        {
            return _signatureAlgorithm.StartsWith("1.2.840.10045.", StringComparison.Ordinal)
                && ecdsa.VerifyData(_tbs, _signature, hash.Value, DSASignatureFormat.Rfc3279DerSequence);
        }
        return false;
    }

    /// <summary>Parses every "X509 CRL" PEM block of a <c>crl-verify</c> file; <paramref name="source"/> names it in errors.</summary>
    public static IReadOnlyList<CertificateRevocationList> ParsePem(string text, string source)
    {
        var result = new List<CertificateRevocationList>();
        ReadOnlySpan<char> rest = text;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual("X509 CRL"))
            {
                byte[] der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                result.Add(ParseDer(der, source));
            }
            rest = rest[fields.Location.End.Value..];
        }
        if (result.Count == 0)
        {
            throw new FormatException($"{source}: no '-----BEGIN X509 CRL-----' block found.");
        }
        return result;
    }

    /// <summary>Parses one DER-encoded CRL.</summary>
    public static CertificateRevocationList ParseDer(ReadOnlySpan<byte> der, string source)
    {
        try
        {
            var outer = new AsnReader(der.ToArray(), AsnEncodingRules.DER);
            AsnReader list = outer.ReadSequence();
            ReadOnlyMemory<byte> tbsEncoded = list.PeekEncodedValue();
            AsnReader tbs = list.ReadSequence();
            AsnReader sigAlg = list.ReadSequence();
            string signatureAlgorithm = sigAlg.ReadObjectIdentifier();
            byte[] signature = list.ReadBitString(out _);

            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }
            tbs.ReadSequence();
            var issuer = new X500DistinguishedName(tbs.ReadEncodedValue().Span);
            DateTimeOffset thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }
            var revoked = new HashSet<string>(StringComparer.Ordinal);
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                AsnReader entries = tbs.ReadSequence();
                while (entries.HasData)
                {
                    AsnReader entry = entries.ReadSequence();
                    revoked.Add(NormalizeSerial(entry.ReadIntegerBytes().Span));
                }
            }
            return new CertificateRevocationList(issuer, thisUpdate, nextUpdate, revoked, tbsEncoded.ToArray(), signatureAlgorithm, signature);
        }
        catch (AsnContentException ex)
        {
            throw new FormatException($"{source}: not a valid X.509 CRL ({ex.Message}).", ex);
        }
    }

    private static DateTimeOffset ReadTime(AsnReader reader) =>
        reader.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? reader.ReadUtcTime() : reader.ReadGeneralizedTime();

    private static string NormalizeSerial(ReadOnlySpan<byte> serial)
    {
        // INTEGER content is two's complement; positive serials may carry a leading 00.
        int start = 0;
        while (start < serial.Length - 1 && serial[start] == 0)
        {
            start++;
        }
        return Convert.ToHexString(serial[start..]);
    }
}
