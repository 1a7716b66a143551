using System.Security.Cryptography;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// AES-256-CTR as OpenSSL does it (the whole 16-byte IV is a big-endian counter incremented per block), built on
/// ECB because .NET has no CTR mode. Used by tls-crypt and tls-crypt-v2 key wrapping. Keystream is made in
/// stack chunks, so no allocation per call.
/// </summary>
internal static class AesCtr
{
    private const int ChunkBytes = 256;

    /// <summary>output = input XOR keystream(iv). <paramref name="output"/> may be the same memory as <paramref name="input"/>.</summary>
    public static void Transform(Aes aes, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> counter = stackalloc byte[16];
        Span<byte> blocks = stackalloc byte[ChunkBytes];
        Span<byte> keystream = stackalloc byte[ChunkBytes];
        iv[..16].CopyTo(counter);
        for (int offset = 0; offset < input.Length; offset += ChunkBytes)
        {
            int n = Math.Min(ChunkBytes, input.Length - offset);
            int blockBytes = (n + 15) & ~15;
            for (int b = 0; b < blockBytes; b += 16)
            {
                counter.CopyTo(blocks[b..]);
                Increment(counter);
            }
            aes.EncryptEcb(blocks[..blockBytes], keystream, PaddingMode.None);
            for (int i = 0; i < n; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ keystream[i]);
            }
        }
        CryptographicOperations.ZeroMemory(keystream);
    }

    private static void Increment(Span<byte> counter)
    {
        for (int i = 15; i >= 0; i--)
        {
            if (++counter[i] != 0)
            {
                return;
            }
        }
    }
}
