using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// A negotiated data-channel cipher (+ <c>auth</c> digest for CBC), parsed from OpenVPN's names
/// (case-insensitive, as OpenSSL accepts them). Key sizes per openvpn-protocol.md §8.
/// </summary>
public sealed class DataCipherSuite : IEquatable<DataCipherSuite>
{
    /// <summary>AEAD tag length, always 16 in OpenVPN (OPENVPN_AEAD_TAG_LENGTH).</summary>
    public const int AeadTagLength = 16;

    /// <summary>AEAD nonce: packet-id (4) || implicit IV (8).</summary>
    public const int AeadNonceLength = 12;

    public const int ImplicitIvLength = 8;
    public const int PacketIdLength = 4;
    public const int AesBlockSize = 16;

    private DataCipherSuite(string cipherName, DataCipherKind kind, int keyLength, DataAuthDigest? auth)
    {
        CipherName = cipherName;
        Kind = kind;
        CipherKeyLength = keyLength;
        Auth = auth;
    }

    /// <summary>Canonical OpenVPN spelling, e.g. <c>AES-256-GCM</c>.</summary>
    public string CipherName { get; }

    public DataCipherKind Kind { get; }

    /// <summary>Cipher key bytes taken from the start of the 64-byte cipher slice.</summary>
    public int CipherKeyLength { get; }

    /// <summary>True for AES-GCM and CHACHA20-POLY1305 (format §9.2).</summary>
    public bool IsAead => Kind != DataCipherKind.AesCbc;

    /// <summary>HMAC digest for CBC suites; null for AEAD suites.</summary>
    public DataAuthDigest? Auth { get; }

    /// <summary>HMAC length (= HMAC key bytes used) for CBC suites; 0 for AEAD.</summary>
    public int HmacLength => Auth switch
    {
        null => 0,
        DataAuthDigest.Sha1 => 20,
        DataAuthDigest.Sha256 => 32,
        DataAuthDigest.Sha384 => 48,
        _ => 64,
    };

    /// <summary>OpenVPN name of the digest (<c>SHA1</c>, ...), or null for AEAD.</summary>
    public string? AuthName => Auth switch
    {
        null => null,
        DataAuthDigest.Sha1 => "SHA1",
        DataAuthDigest.Sha256 => "SHA256",
        DataAuthDigest.Sha384 => "SHA384",
        _ => "SHA512",
    };

    internal HashAlgorithmName HashAlgorithm => Auth switch
    {
        DataAuthDigest.Sha1 => HashAlgorithmName.SHA1,
        DataAuthDigest.Sha256 => HashAlgorithmName.SHA256,
        DataAuthDigest.Sha384 => HashAlgorithmName.SHA384,
        _ => HashAlgorithmName.SHA512,
    };

    /// <summary>
    /// Bytes added after the opcode header (1 byte V1, 4 bytes V2): AEAD packet-id + tag (20);
    /// CBC HMAC + IV + packet-id + at most one block of padding.
    /// </summary>
    public int MaxCryptoOverhead => IsAead
        ? PacketIdLength + AeadTagLength
        : HmacLength + AesBlockSize + PacketIdLength + AesBlockSize;

    /// <summary>
    /// Parses <c>cipher</c>/<c>data-ciphers</c> entry and, for CBC, the <c>auth</c> digest
    /// (default SHA1, as OpenVPN). Throws <see cref="ArgumentException"/> with a one-sentence
    /// reason for anything unsupported (BF-CBC, none, ...).
    /// </summary>
    public static DataCipherSuite Parse(string cipher, string? auth = null)
    {
        if (!TryParse(cipher, auth, out DataCipherSuite? suite, out string? error))
        {
            throw new ArgumentException(error);
        }

        return suite;
    }

    public static bool TryParse(
        string? cipher,
        string? auth,
        [NotNullWhen(true)] out DataCipherSuite? suite,
        [NotNullWhen(false)] out string? error)
    {
        suite = null;
        string name = (cipher ?? string.Empty).Trim().ToUpperInvariant();
        (DataCipherKind kind, int keyLength)? found = name switch
        {
            "AES-128-GCM" or "ID-AES128-GCM" => (DataCipherKind.AesGcm, 16),
            "AES-192-GCM" or "ID-AES192-GCM" => (DataCipherKind.AesGcm, 24),
            "AES-256-GCM" or "ID-AES256-GCM" => (DataCipherKind.AesGcm, 32),
            "CHACHA20-POLY1305" => (DataCipherKind.ChaCha20Poly1305, 32),
            "AES-128-CBC" => (DataCipherKind.AesCbc, 16),
            "AES-192-CBC" => (DataCipherKind.AesCbc, 24),
            "AES-256-CBC" => (DataCipherKind.AesCbc, 32),
            _ => null,
        };
        if (found is null)
        {
            error = name.Length == 0
                ? "No data-channel cipher was given."
                : name is "BF-CBC" or "BLOWFISH" or "DES-CBC" or "DES-EDE3-CBC" or "DES-EDE-CBC" or "CAST5-CBC" or "RC2-CBC" or "DESX-CBC"
                    ? $"Data-channel cipher '{cipher}' is a 64-bit-block cipher and is not supported; use AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 or AES-256-CBC."
                    : name == "NONE"
                        ? "Data-channel cipher 'none' (no encryption) is not supported."
                        : $"Data-channel cipher '{cipher}' is not supported; supported: AES-128-GCM, AES-192-GCM, AES-256-GCM, CHACHA20-POLY1305, AES-128-CBC, AES-192-CBC, AES-256-CBC.";
            return false;
        }

        (DataCipherKind k, int len) = found.Value;
        if (k == DataCipherKind.ChaCha20Poly1305 && !ChaCha20Poly1305.IsSupported)
        {
            error = "CHACHA20-POLY1305 is not supported by this system's crypto library.";
            return false;
        }

        string canonical = name.StartsWith("ID-", StringComparison.Ordinal) ? $"AES-{len * 8}-GCM" : name;
        DataAuthDigest? digest = null;
        if (k == DataCipherKind.AesCbc)
        {
            if (!TryParseAuth(auth, out DataAuthDigest d, out error))
            {
                return false;
            }

            digest = d;
        }

        suite = new DataCipherSuite(canonical, k, len, digest);
        error = null;
        return true;
    }

    /// <summary>Parses an <c>auth</c> digest name; null/empty means OpenVPN's default SHA1.</summary>
    public static bool TryParseAuth(string? auth, out DataAuthDigest digest, [NotNullWhen(false)] out string? error)
    {
        string a = (auth ?? "SHA1").Trim().ToUpperInvariant();
        error = null;
        switch (a)
        {
            case "" or "SHA1" or "SHA-1" or "RSA-SHA1":
                digest = DataAuthDigest.Sha1;
                return true;
            case "SHA256" or "SHA-256" or "RSA-SHA256" or "SHA2-256":
                digest = DataAuthDigest.Sha256;
                return true;
            case "SHA384" or "SHA-384" or "RSA-SHA384" or "SHA2-384":
                digest = DataAuthDigest.Sha384;
                return true;
            case "SHA512" or "SHA-512" or "RSA-SHA512" or "SHA2-512":
                digest = DataAuthDigest.Sha512;
                return true;
            case "NONE":
                digest = default;
                error = "'auth none' with a CBC data-channel cipher (no packet authentication) is not supported.";
                return false;
            default:
                digest = default;
                error = $"HMAC digest 'auth {auth}' is not supported; supported: SHA1, SHA256, SHA384, SHA512.";
                return false;
        }
    }

    public bool Equals(DataCipherSuite? other) =>
        other is not null && other.CipherName == CipherName && other.Auth == Auth;

    public override bool Equals(object? obj) => Equals(obj as DataCipherSuite);

    public override int GetHashCode() => HashCode.Combine(CipherName, Auth);

    public override string ToString() => IsAead ? CipherName : $"{CipherName}/{AuthName}";
}
