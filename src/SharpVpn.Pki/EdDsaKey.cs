using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace SharpVpn.Pki;

/// <summary>
/// An Ed25519 or Ed448 private key (RFC 8032) held by BouncyCastle, because
/// System.Security.Cryptography has no EdDSA. It derives from <see cref="AsymmetricAlgorithm"/>
/// so the PKI passes it around, exports it (<c>ExportPkcs8PrivateKeyPem</c>,
/// <c>ExportEncryptedPkcs8PrivateKeyPem</c>) and disposes it exactly like an RSA or ECDSA key;
/// <see cref="EdDsaSignatureGenerator"/> signs certificates, requests and CRLs with it.
/// </summary>
public sealed class EdDsaKey : AsymmetricAlgorithm
{
    private readonly AsymmetricKeyParameter _private;

    private EdDsaKey(AsymmetricKeyParameter privateKey)
    {
        _private = privateKey;
        (Oid, PublicKeyBytes, KeySizeValue) = privateKey switch
        {
            Ed25519PrivateKeyParameters k => (KeyStore.OidEd25519, k.GeneratePublicKey().GetEncoded(), 256),
            Ed448PrivateKeyParameters k => (KeyStore.OidEd448, k.GeneratePublicKey().GetEncoded(), 456),
            _ => throw new PkiException("Only Ed25519 and Ed448 keys are EdDSA keys."),
        };
        LegalKeySizesValue = [new KeySizes(KeySizeValue, KeySizeValue, 0)];
    }

    /// <summary>1.3.101.112 (Ed25519) or 1.3.101.113 (Ed448), RFC 8410.</summary>
    public string Oid { get; }

    /// <summary>The raw public key: 32 bytes (Ed25519) or 57 bytes (Ed448).</summary>
    public byte[] PublicKeyBytes { get; }

    public string CurveName => Oid == KeyStore.OidEd448 ? "ed448" : "ed25519";

    public override string SignatureAlgorithm => Oid == KeyStore.OidEd448 ? "Ed448" : "Ed25519";

    public override string? KeyExchangeAlgorithm => null;

    /// <summary>A new key on "ed25519" or "ed448" (OpenSSL's names, as easy-rsa's --curve).</summary>
    public static EdDsaKey Generate(string curve)
    {
        var random = new SecureRandom();
        return curve switch
        {
            "ed25519" => new EdDsaKey(new Ed25519PrivateKeyParameters(random)),
            "ed448" => new EdDsaKey(new Ed448PrivateKeyParameters(random)),
            _ => throw new PkiException($"Unknown EdDSA curve '{curve}': use ed25519 or ed448."),
        };
    }

    /// <summary>
    /// The key in a PKCS#8 DER PrivateKeyInfo (plain, or decrypted from an EncryptedPrivateKeyInfo
    /// with <paramref name="passphrase"/>). Throws <see cref="PkiException"/> naming
    /// <paramref name="path"/> when it is malformed, not EdDSA, or the passphrase is wrong.
    /// </summary>
    public static EdDsaKey FromPkcs8(byte[] der, string? passphrase, string path)
    {
        AsymmetricKeyParameter key;
        try
        {
            key = passphrase is null
                ? PrivateKeyFactory.CreateKey(der)
                : PrivateKeyFactory.DecryptKey(passphrase.ToCharArray(), der);
        }
        catch (Exception ex) when (ex is InvalidCipherTextException or IOException or ArgumentException
            or InvalidCastException or SecurityUtilityException or Org.BouncyCastle.Asn1.Asn1Exception or FormatException)
        {
            // A wrong passphrase shows as bad padding, or (1 in 256) as garbage that fails to parse.
            throw passphrase is null
                ? new PkiException($"The private key {path} is malformed, truncated or not an Ed25519/Ed448 key.", ex)
                : new PkiException($"Wrong passphrase for the private key {path} (or the key is corrupt).");
        }
        return key is Ed25519PrivateKeyParameters or Ed448PrivateKeyParameters
            ? new EdDsaKey(key)
            : throw new PkiException($"The private key {path} is not an Ed25519/Ed448 key.");
    }

    /// <summary>SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE { SEQUENCE { OID } -- no parameters --, BIT STRING key }.</summary>
    public override byte[] ExportSubjectPublicKeyInfo() => SubjectPublicKeyInfo(Oid, PublicKeyBytes);

    public PublicKey PublicKey => PublicKey.CreateFromSubjectPublicKeyInfo(ExportSubjectPublicKeyInfo(), out _);

    internal static byte[] SubjectPublicKeyInfo(string oid, byte[] publicKey)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(oid);
            }
            w.WriteBitString(publicKey);
        }
        return w.Encode();
    }

    /// <summary>
    /// PKCS#8 v1 PrivateKeyInfo as <c>openssl genpkey -algorithm ed25519</c> writes it (RFC 8410 §7):
    /// SEQUENCE { INTEGER 0, SEQUENCE { OID }, OCTET STRING { OCTET STRING seed } }. Not BouncyCastle's
    /// v2 form with the public key appended, which OpenSSL 3.0's decoder rejects ("unsupported").
    /// </summary>
    public override byte[] ExportPkcs8PrivateKey()
    {
        byte[] seed = _private switch
        {
            Ed25519PrivateKeyParameters k => k.GetEncoded(),
            Ed448PrivateKeyParameters k => k.GetEncoded(),
            _ => throw new InvalidOperationException(),
        };
        var inner = new AsnWriter(AsnEncodingRules.DER);
        inner.WriteOctetString(seed);
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(0);
            using (w.PushSequence())
            {
                w.WriteObjectIdentifier(Oid);
            }
            w.WriteOctetString(inner.Encode());
        }
        return w.Encode();
    }

    public override bool TryExportPkcs8PrivateKey(Span<byte> destination, out int bytesWritten) =>
        TryCopy(ExportPkcs8PrivateKey(), destination, out bytesWritten);

    /// <summary>
    /// PBES2 EncryptedPrivateKeyInfo with the cipher, PRF and iteration count of
    /// <paramref name="pbeParameters"/> (the PKI uses AES-256-CBC + HMAC-SHA256, as
    /// <c>openssl pkey -aes256</c>), readable by <c>openssl pkey -passin</c>.
    /// </summary>
    public override byte[] ExportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password, PbeParameters pbeParameters)
    {
        DerObjectIdentifier cipher = pbeParameters.EncryptionAlgorithm switch
        {
            PbeEncryptionAlgorithm.Aes128Cbc => NistObjectIdentifiers.IdAes128Cbc,
            PbeEncryptionAlgorithm.Aes192Cbc => NistObjectIdentifiers.IdAes192Cbc,
            PbeEncryptionAlgorithm.Aes256Cbc => NistObjectIdentifiers.IdAes256Cbc,
            _ => throw new CryptographicException($"Unsupported PBE cipher {pbeParameters.EncryptionAlgorithm} for an EdDSA key."),
        };
        DerObjectIdentifier prf = pbeParameters.HashAlgorithm.Name switch
        {
            "SHA256" => PkcsObjectIdentifiers.IdHmacWithSha256,
            "SHA384" => PkcsObjectIdentifiers.IdHmacWithSha384,
            "SHA512" => PkcsObjectIdentifiers.IdHmacWithSha512,
            _ => throw new CryptographicException($"Unsupported PBE hash {pbeParameters.HashAlgorithm.Name} for an EdDSA key."),
        };
        byte[] salt = RandomNumberGenerator.GetBytes(16);
        return EncryptedPrivateKeyInfoFactory.CreateEncryptedPrivateKeyInfo(cipher, prf, password.ToArray(), salt,
            pbeParameters.IterationCount, new SecureRandom(), PrivateKeyInfo.GetInstance(ExportPkcs8PrivateKey())).GetDerEncoded();
    }

    public override bool TryExportEncryptedPkcs8PrivateKey(ReadOnlySpan<char> password, PbeParameters pbeParameters, Span<byte> destination, out int bytesWritten) =>
        TryCopy(ExportEncryptedPkcs8PrivateKey(password, pbeParameters), destination, out bytesWritten);

    /// <summary>PureEdDSA signature (no pre-hash, empty context) over <paramref name="data"/>.</summary>
    public byte[] Sign(byte[] data)
    {
        ISigner signer = _private is Ed448PrivateKeyParameters ? new Ed448Signer([]) : new Ed25519Signer();
        signer.Init(true, _private);
        signer.BlockUpdate(data, 0, data.Length);
        return signer.GenerateSignature();
    }

    /// <summary>Checks a PureEdDSA signature by the raw public key of algorithm <paramref name="oid"/>.</summary>
    public static bool Verify(string oid, byte[] publicKey, byte[] data, byte[] signature)
    {
        try
        {
            ISigner verifier = oid switch
            {
                KeyStore.OidEd25519 => new Ed25519Signer(),
                KeyStore.OidEd448 => new Ed448Signer([]),
                _ => throw new PkiException($"Algorithm {oid} is not EdDSA."),
            };
            verifier.Init(false, oid == KeyStore.OidEd25519
                ? new Ed25519PublicKeyParameters(publicKey)
                : new Ed448PublicKeyParameters(publicKey));
            verifier.BlockUpdate(data, 0, data.Length);
            return verifier.VerifySignature(signature);
        }
        catch (ArgumentException)
        {
            return false; // wrong public key length
        }
    }

    private static bool TryCopy(byte[] source, Span<byte> destination, out int bytesWritten)
    {
        bytesWritten = source.Length <= destination.Length ? source.Length : 0;
        return source.AsSpan().TryCopyTo(destination);
    }
}
