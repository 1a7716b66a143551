using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// Receive side of a CBC+HMAC key (crypto.c openvpn_decrypt_v1): verify the HMAC over
/// IV || ciphertext (constant time), decrypt, strip PKCS#7 padding, read the packet-id; the
/// caller then applies the replay check. Uses one persistent CBC transform and corrects the
/// first block for the packet's IV: P1 = D(C1) ^ IV = output1 ^ chain ^ IV.
/// </summary>
internal sealed class CbcOpener : IDisposable
{
    private const int Block = DataCipherSuite.AesBlockSize;
    private readonly Aes _aes;
    private readonly ICryptoTransform _decryptor;
    private readonly IncrementalHash _hmac;
    private readonly int _hmacLength;
    private readonly byte[] _chain = new byte[Block];
    private byte[] _scratch = new byte[2048];

    public CbcOpener(DataCipherSuite suite, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> hmacKey)
    {
        _aes = Aes.Create();
        _aes.Key = cipherKey.ToArray();
        _aes.Mode = CipherMode.CBC;
        _aes.Padding = PaddingMode.None;
        _decryptor = _aes.CreateDecryptor(_aes.Key, _chain);
        _hmacLength = suite.HmacLength;
        _hmac = IncrementalHash.CreateHMAC(suite.HashAlgorithm, hmacKey[.._hmacLength]);
    }

    public DataDecryptResult Open(ReadOnlySpan<byte> packet, int headerLength, Span<byte> destination, out uint packetId, out int payloadLength)
    {
        packetId = 0;
        payloadLength = 0;
        int ivAt = headerLength + _hmacLength;
        int ctAt = ivAt + Block;
        if (packet.Length < ctAt + Block)
        {
            return DataDecryptResult.TooShort;
        }

        Span<byte> mac = stackalloc byte[64];
        _hmac.AppendData(packet[ivAt..]);
        _hmac.GetHashAndReset(mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[.._hmacLength], packet.Slice(headerLength, _hmacLength)))
        {
            return DataDecryptResult.AuthenticationFailed;
        }

        int ctLen = packet.Length - ctAt;
        if (ctLen % Block != 0)
        {
            return DataDecryptResult.Malformed;
        }

        if (_scratch.Length < ctLen)
        {
            _scratch = new byte[Math.Max(ctLen, _scratch.Length * 2)];
        }

        byte[] buf = _scratch;
        packet.Slice(ctAt, ctLen).CopyTo(buf);
        Span<byte> nextChain = stackalloc byte[Block];
        packet.Slice(packet.Length - Block, Block).CopyTo(nextChain);

        _decryptor.TransformBlock(buf, 0, ctLen, buf, 0);
        ReadOnlySpan<byte> iv = packet.Slice(ivAt, Block);
        for (int i = 0; i < Block; i++)
        {
            buf[i] ^= (byte)(iv[i] ^ _chain[i]);
        }

        nextChain.CopyTo(_chain);

        int pad = buf[ctLen - 1];
        if (pad == 0 || pad > Block || ctLen - pad < DataCipherSuite.PacketIdLength)
        {
            return DataDecryptResult.Malformed;
        }

        for (int i = ctLen - pad; i < ctLen - 1; i++)
        {
            if (buf[i] != pad)
            {
                return DataDecryptResult.Malformed;
            }
        }

        int len = ctLen - pad - DataCipherSuite.PacketIdLength;
        if (destination.Length < len)
        {
            return DataDecryptResult.DestinationTooSmall;
        }

        packetId = BinaryPrimitives.ReadUInt32BigEndian(buf);
        buf.AsSpan(DataCipherSuite.PacketIdLength, len).CopyTo(destination);
        payloadLength = len;
        return DataDecryptResult.Ok;
    }

    public void Dispose()
    {
        _decryptor.Dispose();
        _aes.Dispose();
        _hmac.Dispose();
    }
}
