using System.Security.Cryptography;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// AES-256-CTR as OpenSSL does it (the whole 16-byte IV is a big-endian counter incremented per block), built on
/// an ECB encryptor because .NET has no CTR mode. Used by tls-crypt and tls-crypt-v2 key wrapping.
/// Holds its own buffers and one reusable ECB transform (Aes.EncryptEcb allocates per call), so a transform
/// allocates nothing; not thread-safe.
/// </summary>
internal sealed class AesCtr : IDisposable
{
    private const int ChunkBytes = 256;

    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _blocks = new byte[ChunkBytes];
    private readonly byte[] _keystream = new byte[ChunkBytes];

    public AesCtr(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _aes.Key = key.ToArray();
        _ecb = _aes.CreateEncryptor();
    }

    /// <summary>output = input XOR keystream(iv). <paramref name="output"/> may be the same memory as <paramref name="input"/>.</summary>
    public void Transform(ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        Span<byte> counter = stackalloc byte[16];
        iv[..16].CopyTo(counter);
        for (int offset = 0; offset < input.Length; offset += ChunkBytes)
        {
            int n = Math.Min(ChunkBytes, input.Length - offset);
            int blockBytes = (n + 15) & ~15;
            for (int b = 0; b < blockBytes; b += 16)
            {
                counter.CopyTo(_blocks.AsSpan(b));
                Increment(counter);
            }
            _ecb.TransformBlock(_blocks, 0, blockBytes, _keystream, 0);
            for (int i = 0; i < n; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ _keystream[i]);
            }
        }
        CryptographicOperations.ZeroMemory(_keystream);
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

    public void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }
}
