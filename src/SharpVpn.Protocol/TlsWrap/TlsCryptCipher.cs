using System.Security.Cryptography;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// The tls-crypt SIV-like construction for one direction (openvpn-protocol.md §5.1; tls_crypt.c tls_crypt_wrap/unwrap):
/// <code>
/// tag = HMAC-SHA256(Ka, header || P);  C = AES-256-CTR(Ke, IV = tag[0..15], P)
/// </code>
/// Also used to wrap tls-crypt-v2 client keys with the server key (header = the u16 length).
/// Not thread-safe (reuses one HMAC and one AES-CTR instance).
/// </summary>
internal sealed class TlsCryptCipher : IDisposable
{
    public const int TagBytes = 32;

    private readonly AesCtr _ctr;
    private readonly IncrementalHash _hmac;

    /// <param name="encryptionKey">Ke, the first 32 bytes are used.</param>
    /// <param name="authenticationKey">Ka, the first 32 bytes are used.</param>
    public TlsCryptCipher(ReadOnlySpan<byte> encryptionKey, ReadOnlySpan<byte> authenticationKey)
    {
        _ctr = new AesCtr(encryptionKey[..32]);
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, authenticationKey[..32]);
    }

    /// <summary>Writes the 32-byte tag and the ciphertext (same length as <paramref name="plaintext"/>).</summary>
    public void Seal(ReadOnlySpan<byte> header, ReadOnlySpan<byte> plaintext, Span<byte> tag, Span<byte> ciphertext)
    {
        _hmac.AppendData(header);
        _hmac.AppendData(plaintext);
        _hmac.GetHashAndReset(tag[..TagBytes]);
        _ctr.Transform(tag, plaintext, ciphertext);
    }

    /// <summary>Decrypts into <paramref name="plaintext"/> and verifies the tag in constant time; clears the output on failure.</summary>
    public bool TryOpen(ReadOnlySpan<byte> header, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> ciphertext, Span<byte> plaintext)
    {
        plaintext = plaintext[..ciphertext.Length];
        _ctr.Transform(tag, ciphertext, plaintext);
        Span<byte> expected = stackalloc byte[TagBytes];
        _hmac.AppendData(header);
        _hmac.AppendData(plaintext);
        _hmac.GetHashAndReset(expected);
        if (CryptographicOperations.FixedTimeEquals(expected, tag[..TagBytes]))
        {
            return true;
        }
        plaintext.Clear();
        return false;
    }

    public void Dispose()
    {
        _ctr.Dispose();
        _hmac.Dispose();
    }
}
