using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// Receive side of an AEAD key (crypto.c openvpn_decrypt_aead): the tag is verified first; the
/// caller applies the replay check afterwards. Layout as in <see cref="AeadSealer"/>.
/// </summary>
internal sealed class AeadOpener : IDisposable
{
    private readonly OpenSslAead.Context? _native;
    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly byte[] _implicitIv;

    public AeadOpener(DataCipherSuite suite, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> implicitIv, bool managed = false)
    {
        _native = managed ? null : OpenSslAead.TryCreate(suite, cipherKey, encrypt: false);
        if (_native is not null)
        {
            // keyed native context: nothing else to create
        }
        else if (suite.Kind == DataCipherKind.AesGcm)
        {
            _gcm = new AesGcm(cipherKey, DataCipherSuite.AeadTagLength);
        }
        else
        {
            _chacha = new ChaCha20Poly1305(cipherKey);
        }

        _implicitIv = implicitIv[..DataCipherSuite.ImplicitIvLength].ToArray();
    }

    /// <summary>Smallest valid packet after the header: packet-id + tag + 1 payload byte ("missing payload").</summary>
    public const int MinBodyLength = DataCipherSuite.PacketIdLength + DataCipherSuite.AeadTagLength + 1;

    public DataDecryptResult Open(ReadOnlySpan<byte> packet, int headerLength, bool authenticateHeader, Span<byte> destination, out uint packetId, out int payloadLength)
    {
        const int tagLen = DataCipherSuite.AeadTagLength;
        int pidAt = headerLength;
        int tagAt = pidAt + DataCipherSuite.PacketIdLength;
        int ctAt = tagAt + tagLen;
        payloadLength = 0;
        packetId = 0;
        if (packet.Length < ctAt + 1)
        {
            return DataDecryptResult.TooShort;
        }

        int ctLen = packet.Length - ctAt;
        if (destination.Length < ctLen)
        {
            return DataDecryptResult.DestinationTooSmall;
        }

        packetId = BinaryPrimitives.ReadUInt32BigEndian(packet[pidAt..]);
        Span<byte> nonce = stackalloc byte[DataCipherSuite.AeadNonceLength];
        packet.Slice(pidAt, DataCipherSuite.PacketIdLength).CopyTo(nonce);
        _implicitIv.CopyTo(nonce[4..]);

        ReadOnlySpan<byte> aad = authenticateHeader ? packet[..tagAt] : packet.Slice(pidAt, DataCipherSuite.PacketIdLength);
        ReadOnlySpan<byte> tag = packet.Slice(tagAt, tagLen);
        ReadOnlySpan<byte> ciphertext = packet[ctAt..];
        Span<byte> plaintext = destination[..ctLen];

        if (_native is not null)
        {
            if (!_native.Open(nonce, aad, ciphertext, tag, plaintext))
            {
                return DataDecryptResult.AuthenticationFailed;
            }

            payloadLength = ctLen;
            return DataDecryptResult.Ok;
        }

        // .NET has no non-throwing AEAD open; the exception only costs on forged/corrupt packets.
        try
        {
            if (_gcm is not null)
            {
                _gcm.Decrypt(nonce, ciphertext, tag, plaintext, aad);
            }
            else
            {
                _chacha!.Decrypt(nonce, ciphertext, tag, plaintext, aad);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return DataDecryptResult.AuthenticationFailed;
        }

        payloadLength = ctLen;
        return DataDecryptResult.Ok;
    }

    public void Dispose()
    {
        _native?.Dispose();
        _gcm?.Dispose();
        _chacha?.Dispose();
    }
}
