using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// Lets .NET's <see cref="CertificateRequest"/> and <see cref="CertificateRevocationListBuilder"/>
/// sign with an <see cref="EdDsaKey"/>, so Ed25519 certificates, requests and CRLs go through the
/// same issuing code as RSA and ECDSA ones. PureEdDSA hashes internally: the hash argument is ignored.
/// </summary>
internal sealed class EdDsaSignatureGenerator(EdDsaKey key) : X509SignatureGenerator
{
    /// <summary>AlgorithmIdentifier ::= SEQUENCE { id-Ed25519 | id-Ed448 } with parameters absent (RFC 8410 §3).</summary>
    public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteObjectIdentifier(key.Oid);
        }
        return w.Encode();
    }

    public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key.Sign(data);

    protected override PublicKey BuildPublicKey() => key.PublicKey;
}
