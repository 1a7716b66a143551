using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using SharpVpn.Protocol.TlsWrap;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// A tls-crypt-v2 server key: 128 bytes (one OpenVPN <c>struct key</c>), Ke_srv = bytes 0..31, Ka_srv = 64..95
/// (openvpn-protocol.md §5.2). Wraps and unwraps client keys:
/// <code>
/// len = u16 (32 + 256 + len(metadata) + 2)
/// T   = HMAC-SHA256(Ka_srv, len || Kc || metadata)
/// WKc = T(32) || AES-256-CTR(Ke_srv, IV = T[0..15], Kc || metadata) || len     (tls_crypt.c tls_crypt_v2_wrap_client_key)
/// </code>
/// </summary>
public sealed class TlsCryptV2ServerKey
{
    /// <summary>Key size in bytes.</summary>
    public const int SizeBytes = 128;

    /// <summary>PEM label of the key file.</summary>
    public const string PemLabel = "OpenVPN tls-crypt-v2 server key";

    private readonly byte[] _bytes;
    private readonly Lock _cipherLock = new();
    private TlsCryptCipher? _cipher;

    /// <summary>Wraps 128 raw key bytes.</summary>
    public TlsCryptV2ServerKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeBytes)
        {
            throw new ArgumentException($"A tls-crypt-v2 server key has {SizeBytes} bytes, not {bytes.Length}.", nameof(bytes));
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>The 128 key bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>A new random key.</summary>
    public static TlsCryptV2ServerKey Generate() => new(RandomNumberGenerator.GetBytes(SizeBytes));

    /// <summary>Parses the PEM file text; <paramref name="source"/> names the file in errors (FormatException).</summary>
    public static TlsCryptV2ServerKey Parse(string text, string source)
    {
        byte[] bytes = OpenVpnPem.Decode(text, PemLabel, source);
        if (bytes.Length != SizeBytes)
        {
            throw new FormatException($"{source}: the tls-crypt-v2 server key has {bytes.Length} bytes; it must have {SizeBytes}.");
        }
        return new TlsCryptV2ServerKey(bytes);
    }

    /// <summary>The file form 'openvpn --genkey tls-crypt-v2-server' writes.</summary>
    public string ToFileText() => OpenVpnPem.Encode(PemLabel, _bytes);

    /// <summary>Wraps a client key Kc with this server key and the raw <paramref name="metadata"/> (type byte included).</summary>
    public byte[] WrapClientKey(StaticKey clientKey, ReadOnlySpan<byte> metadata)
    {
        ArgumentNullException.ThrowIfNull(clientKey);
        if (metadata.Length > ProtocolConstants.TlsCryptV2MaxMetadataBytes)
        {
            throw new ArgumentException($"tls-crypt-v2 metadata is at most {ProtocolConstants.TlsCryptV2MaxMetadataBytes} bytes, not {metadata.Length}.", nameof(metadata));
        }
        int plainLength = StaticKey.SizeBytes + metadata.Length;
        int total = TlsCryptCipher.TagBytes + plainLength + 2;
        byte[] wkc = new byte[total];
        byte[] plain = new byte[plainLength];
        clientKey.Bytes.CopyTo(plain);
        metadata.CopyTo(plain.AsSpan(StaticKey.SizeBytes));
        Span<byte> len = wkc.AsSpan(total - 2);
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)total);
        using (var cipher = CreateCipher())
        {
            cipher.Seal(len, plain, wkc.AsSpan(0, TlsCryptCipher.TagBytes), wkc.AsSpan(TlsCryptCipher.TagBytes, plainLength));
        }
        CryptographicOperations.ZeroMemory(plain);
        return wkc;
    }

    /// <summary>
    /// Unwraps a WKc (exactly the wrapped key bytes, its own length field last). False with
    /// <see cref="DropReason.BadWrappedKey"/> when the length field is wrong or the tag does not verify
    /// (tls_crypt.c tls_crypt_v2_unwrap_client_key). <paramref name="metadata"/> includes the type byte.
    /// Thread-safe; a rejected key allocates nothing.
    /// </summary>
    public bool TryUnwrapClientKey(ReadOnlySpan<byte> wrappedKey, [NotNullWhen(true)] out StaticKey? clientKey,
        [NotNullWhen(true)] out byte[]? metadata, out DropReason reason)
    {
        clientKey = null;
        metadata = null;
        reason = DropReason.BadWrappedKey;
        if (wrappedKey.Length < TlsCryptCipher.TagBytes + StaticKey.SizeBytes + 2
            || wrappedKey.Length > ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes
            || BinaryPrimitives.ReadUInt16BigEndian(wrappedKey[^2..]) != wrappedKey.Length)
        {
            return false;
        }
        int plainLength = wrappedKey.Length - TlsCryptCipher.TagBytes - 2;
        // Bogus WKc from unauthenticated senders are rejected without allocating: stack buffer, cached cipher.
        Span<byte> plain = stackalloc byte[ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes];
        plain = plain[..plainLength];
        bool ok;
        lock (_cipherLock)
        {
            _cipher ??= CreateCipher();
            ok = _cipher.TryOpen(wrappedKey[^2..], wrappedKey[..TlsCryptCipher.TagBytes],
                wrappedKey.Slice(TlsCryptCipher.TagBytes, plainLength), plain);
        }
        if (!ok)
        {
            return false;
        }
        clientKey = new StaticKey(plain[..StaticKey.SizeBytes]);
        metadata = plain[StaticKey.SizeBytes..].ToArray();
        CryptographicOperations.ZeroMemory(plain);
        reason = DropReason.None;
        return true;
    }

    private TlsCryptCipher CreateCipher() => new(_bytes.AsSpan(0, 32), _bytes.AsSpan(64, 32));
}
