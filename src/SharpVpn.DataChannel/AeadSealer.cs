using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// Send side of an AEAD key (openvpn-protocol.md §9.2; crypto.c openvpn_encrypt_aead):
/// <code>
/// header (1: V1, 4: V2) | packet-id u32 BE | tag (16) | ciphertext (= plaintext length)
/// nonce = packet-id (4) || implicit IV (8, first bytes of this direction's HMAC slice)
/// AAD   = V2: header (4) || packet-id ;  V1: packet-id only (the opcode byte is prepended after encryption)
/// </code>
/// </summary>
internal sealed class AeadSealer : IDisposable
{
    private readonly OpenSslAead.Context? _native;
    private readonly AesGcm? _gcm;
    private readonly ChaCha20Poly1305? _chacha;
    private readonly byte[] _implicitIv;

    public AeadSealer(DataCipherSuite suite, ReadOnlySpan<byte> cipherKey, ReadOnlySpan<byte> implicitIv, bool managed = false)
    {
        _native = managed ? null : OpenSslAead.TryCreate(suite, cipherKey, encrypt: true);
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

    /// <summary>
    /// Seals <paramref name="payload"/> behind a header already written at destination[..headerLength].
    /// For V2 (authenticateHeader) the header is part of the AAD. Returns the packet length.
    /// </summary>
    public int Seal(Span<byte> destination, int headerLength, bool authenticateHeader, uint packetId, ReadOnlySpan<byte> payload)
    {
        const int tagLen = DataCipherSuite.AeadTagLength;
        int pidAt = headerLength;
        int total = headerLength + DataCipherSuite.PacketIdLength + tagLen + payload.Length;
        if (destination.Length < total)
        {
            ThrowHelper.DestinationTooSmall(total, destination.Length);
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination[pidAt..], packetId);

        Span<byte> nonce = stackalloc byte[DataCipherSuite.AeadNonceLength];
        BinaryPrimitives.WriteUInt32BigEndian(nonce, packetId);
        _implicitIv.CopyTo(nonce[4..]);

        ReadOnlySpan<byte> aad = authenticateHeader
            ? destination[..(pidAt + DataCipherSuite.PacketIdLength)]
            : destination.Slice(pidAt, DataCipherSuite.PacketIdLength);
        int tagAt = pidAt + DataCipherSuite.PacketIdLength;
        Span<byte> tag = destination.Slice(tagAt, tagLen);
        Span<byte> ciphertext = destination.Slice(tagAt + tagLen, payload.Length);

        if (_native is not null)
        {
            if (!_native.Seal(nonce, aad, payload, ciphertext, tag))
            {
                ThrowHelper.CryptoFailure();
            }
        }
        else if (_gcm is not null)
        {
            _gcm.Encrypt(nonce, payload, ciphertext, tag, aad);
        }
        else
        {
            _chacha!.Encrypt(nonce, payload, ciphertext, tag, aad);
        }

        return total;
    }

    /// <summary>True when sealing goes straight to libcrypto (see <see cref="OpenSslAead"/>).</summary>
    public bool IsNative => _native is not null;

    public void Dispose()
    {
        _native?.Dispose();
        _gcm?.Dispose();
        _chacha?.Dispose();
    }
}
