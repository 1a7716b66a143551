using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// Send side of a CBC+HMAC key (openvpn-protocol.md §9.3; crypto.c openvpn_encrypt_v1):
/// <code>
/// header (1|4) | HMAC(hmac key, IV || ciphertext) | IV (16, random) | AES-CBC(PKCS#7(packet-id u32 BE || payload))
/// </code>
/// The header is not covered by the HMAC. To avoid a cipher object per packet, one CBC
/// transform is kept for the key's lifetime; its chaining value (the last ciphertext block it
/// produced) is folded into the first block so each packet still uses its own random IV:
/// E(P1 ^ IV) = E((P1 ^ IV ^ chain) ^ chain).
/// </summary>
internal sealed class CbcSealer : IDisposable
{
    private const int Block = DataCipherSuite.AesBlockSize;
    private readonly Aes _aes;
    private readonly ICryptoTransform _encryptor;
    private readonly IncrementalHash _hmac;
    private readonly int _hmacLength;
    private readonly byte[] _chain = new byte[Block];
    private readonly byte[] _ivPool = new byte[64 * Block];
    private int _ivUsed = 64 * Block;
    private byte[] _scratch = new byte[2048];

    public CbcSealer(DataCipherSuite suite, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> hmacKey)
    {
        _aes = Aes.Create();
        _aes.Key = cipherKey.ToArray();
        _aes.Mode = CipherMode.CBC;
        _aes.Padding = PaddingMode.None;
        _encryptor = _aes.CreateEncryptor(_aes.Key, _chain);
        _hmacLength = suite.HmacLength;
        _hmac = IncrementalHash.CreateHMAC(suite.HashAlgorithm, hmacKey[.._hmacLength]);
    }

    public static int SealedLength(int headerLength, int hmacLength, int payloadLength) =>
        headerLength + hmacLength + Block + PaddedLength(payloadLength);

    private static int PaddedLength(int payloadLength) =>
        ((DataCipherSuite.PacketIdLength + payloadLength) / Block + 1) * Block;

    public int Seal(Span<byte> destination, int headerLength, uint packetId, ReadOnlySpan<byte> payload)
    {
        // Unpredictable per-packet IVs from the CSPRNG, fetched 64 at a time (one RNG call, not one per packet).
        if (_ivUsed == _ivPool.Length)
        {
            RandomNumberGenerator.Fill(_ivPool);
            _ivUsed = 0;
        }

        ReadOnlySpan<byte> iv = _ivPool.AsSpan(_ivUsed, Block);
        _ivUsed += Block;
        return Seal(destination, headerLength, packetId, payload, iv);
    }

    /// <summary>Seal with a given IV (tests use a fixed IV to check known answers).</summary>
    internal int Seal(Span<byte> destination, int headerLength, uint packetId, ReadOnlySpan<byte> payload, ReadOnlySpan<byte> iv)
    {
        int padded = PaddedLength(payload.Length);
        int ivAt = headerLength + _hmacLength;
        int ctAt = ivAt + Block;
        int total = ctAt + padded;
        if (destination.Length < total)
        {
            ThrowHelper.DestinationTooSmall(total, destination.Length);
        }

        if (_scratch.Length < padded)
        {
            _scratch = new byte[Math.Max(padded, _scratch.Length * 2)];
        }

        byte[] buf = _scratch;
        Span<byte> plain = buf.AsSpan(0, padded);
        BinaryPrimitives.WriteUInt32BigEndian(plain, packetId);
        payload.CopyTo(plain[DataCipherSuite.PacketIdLength..]);
        int pad = padded - DataCipherSuite.PacketIdLength - payload.Length;
        plain[(padded - pad)..].Fill((byte)pad);

        for (int i = 0; i < Block; i++)
        {
            buf[i] ^= (byte)(iv[i] ^ _chain[i]);
        }

        _encryptor.TransformBlock(buf, 0, padded, buf, 0);
        buf.AsSpan(padded - Block, Block).CopyTo(_chain);

        iv.CopyTo(destination[ivAt..]);
        plain.CopyTo(destination[ctAt..]);

        _hmac.AppendData(destination[ivAt..total]);
        _hmac.GetHashAndReset(destination.Slice(headerLength, _hmacLength));
        return total;
    }

    public void Dispose()
    {
        _encryptor.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
    }
}
