using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// The self-signature check of an Ed25519/Ed448 PKCS#10 request, which .NET's
/// <see cref="CertificateRequest.LoadSigningRequestPem(string, HashAlgorithmName, CertificateRequestLoadOptions, RSASignaturePadding?)"/>
/// cannot do. RFC 2986 §4:
/// <code>
///   CertificationRequest ::= SEQUENCE {
///     certificationRequestInfo SEQUENCE { version INTEGER, subject Name,
///       subjectPKInfo SEQUENCE { algorithm SEQUENCE { OID }, subjectPublicKey BIT STRING }, attributes [0] },
///     signatureAlgorithm SEQUENCE { OID },   -- RFC 8410 §3: no parameters
///     signature BIT STRING }                 -- 64 (Ed25519) or 114 (Ed448) bytes over the DER of certificationRequestInfo
/// </code>
/// </summary>
internal static class EdDsaRequest
{
    /// <summary>
    /// Null if the request's key is not EdDSA (or it does not parse: .NET then reports it);
    /// <see cref="CertificateRequestLoadOptions.SkipSignatureValidation"/> once the EdDSA
    /// signature has verified; a <see cref="PkiException"/> naming <paramref name="path"/> if it does not.
    /// </summary>
    public static CertificateRequestLoadOptions? TryVerify(string pem, string path)
    {
        byte[] info, signature;
        string keyOid, signatureOid;
        byte[] publicKey;
        try
        {
            PemFields f = PemEncoding.Find(pem);
            var outer = new AsnReader(Convert.FromBase64String(pem[f.Base64Data]), AsnEncodingRules.DER).ReadSequence();
            info = outer.ReadEncodedValue().ToArray();
            signatureOid = outer.ReadSequence().ReadObjectIdentifier();
            signature = outer.ReadBitString(out _);

            var infoReader = new AsnReader(info, AsnEncodingRules.DER).ReadSequence();
            infoReader.ReadInteger();
            infoReader.ReadEncodedValue();
            AsnReader spki = infoReader.ReadSequence();
            keyOid = spki.ReadSequence().ReadObjectIdentifier();
            publicKey = spki.ReadBitString(out _);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or AsnContentException)
        {
            return null;
        }
        if (keyOid is not (KeyStore.OidEd25519 or KeyStore.OidEd448))
        {
            return null;
        }
        if (signatureOid != keyOid || !EdDsaKey.Verify(keyOid, publicKey, info, signature))
        {
            throw new PkiException($"The request {path} is malformed, truncated or its signature does not verify.");
        }
        return CertificateRequestLoadOptions.SkipSignatureValidation;
    }
}
