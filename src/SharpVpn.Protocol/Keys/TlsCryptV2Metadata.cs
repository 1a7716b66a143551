using System.Buffers.Binary;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// tls-crypt-v2 metadata inside the wrapped client key (openvpn-protocol.md §5.2; tls_crypt.h
/// TLS_CRYPT_METADATA_TYPE_USER 0x00, TLS_CRYPT_METADATA_TYPE_TIMESTAMP 0x01): first byte is the type.
/// </summary>
public static class TlsCryptV2Metadata
{
    /// <summary>User-defined data follows.</summary>
    public const byte TypeUser = 0x00;

    /// <summary>A u64 big-endian Unix time of key generation follows (OpenVPN's default).</summary>
    public const byte TypeTimestamp = 0x01;

    /// <summary>Timestamp metadata: 0x01 || u64 unix seconds.</summary>
    public static byte[] Timestamp(DateTimeOffset time)
    {
        byte[] m = new byte[9];
        m[0] = TypeTimestamp;
        BinaryPrimitives.WriteInt64BigEndian(m.AsSpan(1), time.ToUnixTimeSeconds());
        return m;
    }

    /// <summary>User metadata: 0x00 || data (at most 733 bytes of data).</summary>
    public static byte[] User(ReadOnlySpan<byte> data)
    {
        if (data.Length + 1 > ProtocolConstants.TlsCryptV2MaxMetadataBytes)
        {
            throw new ArgumentException($"tls-crypt-v2 metadata is at most {ProtocolConstants.TlsCryptV2MaxMetadataBytes - 1} bytes of user data, not {data.Length}.", nameof(data));
        }
        byte[] m = new byte[data.Length + 1];
        m[0] = TypeUser;
        data.CopyTo(m.AsSpan(1));
        return m;
    }
}
