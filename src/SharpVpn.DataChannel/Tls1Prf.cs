using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// The TLS 1.0/1.1 PRF (RFC 2246 §5) that OpenVPN uses for its key-method-2 key expansion:
/// P_MD5(S1, seed) XOR P_SHA1(S2, seed), S1/S2 the two halves of the secret (overlapping by one
/// byte when its length is odd). Source: openvpn src/openvpn/crypto_openssl.c ssl_tls1_PRF.
/// </summary>
public static class Tls1Prf
{
    /// <summary>Fills <paramref name="output"/> with PRF(secret, seed).</summary>
    public static void Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        int half = (secret.Length + 1) / 2;
        ReadOnlySpan<byte> s1 = secret[..half];
        ReadOnlySpan<byte> s2 = secret[(secret.Length - half)..];

        byte[] sha = new byte[output.Length];
        PHash(HashAlgorithmName.MD5, s1, seed, output);
        PHash(HashAlgorithmName.SHA1, s2, seed, sha);
        for (int i = 0; i < output.Length; i++)
        {
            output[i] ^= sha[i];
        }

        CryptographicOperations.ZeroMemory(sha);
    }

    /// <summary>Convenience overload returning a new array of <paramref name="length"/> bytes.</summary>
    public static byte[] Derive(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        byte[] output = new byte[length];
        Derive(secret, seed, output);
        return output;
    }

    // P_hash(S, seed) = HMAC(S, A(1) || seed) || HMAC(S, A(2) || seed) || ...; A(0) = seed, A(i) = HMAC(S, A(i-1)).
    private static void PHash(HashAlgorithmName alg, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        using IncrementalHash hmac = IncrementalHash.CreateHMAC(alg, secret);
        int size = hmac.HashLengthInBytes;
        Span<byte> a = stackalloc byte[size];
        Span<byte> block = stackalloc byte[size];

        hmac.AppendData(seed);
        hmac.GetHashAndReset(a);
        int written = 0;
        while (written < output.Length)
        {
            hmac.AppendData(a);
            hmac.AppendData(seed);
            hmac.GetHashAndReset(block);
            int n = Math.Min(size, output.Length - written);
            block[..n].CopyTo(output[written..]);
            written += n;

            hmac.AppendData(a);
            hmac.GetHashAndReset(a);
        }

        CryptographicOperations.ZeroMemory(a);
        CryptographicOperations.ZeroMemory(block);
    }
}
