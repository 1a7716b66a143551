using System.Security.Cryptography;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// A tls-crypt-v2 client key file: Kc (256 bytes, used like a tls-crypt key with client direction) followed by
/// WKc, the key wrapped by the server key, which the client sends in clear (openvpn-protocol.md §5.2).
/// </summary>
public sealed class TlsCryptV2ClientKey
{
    /// <summary>PEM label of the key file.</summary>
    public const string PemLabel = "OpenVPN tls-crypt-v2 client key";

    private readonly byte[] _wrappedKey;

    /// <summary>Combines Kc and its wrapped form.</summary>
    public TlsCryptV2ClientKey(StaticKey key, ReadOnlySpan<byte> wrappedKey)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (wrappedKey.Length is < Wire.WrappedKeyTrailer.MinimumBytes or > ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes)
        {
            throw new ArgumentException($"A wrapped tls-crypt-v2 client key has {Wire.WrappedKeyTrailer.MinimumBytes}..{ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes} bytes, not {wrappedKey.Length}.", nameof(wrappedKey));
        }
        Key = key;
        _wrappedKey = wrappedKey.ToArray();
    }

    /// <summary>Kc, the client's tls-crypt key.</summary>
    public StaticKey Key { get; }

    /// <summary>WKc, opaque to the client, appended to its V3 reset and WKC_V1 packets.</summary>
    public ReadOnlySpan<byte> WrappedKey => _wrappedKey;

    /// <summary>
    /// Makes a new client key wrapped by <paramref name="serverKey"/> with raw <paramref name="metadata"/>
    /// (type byte included; see <see cref="TlsCryptV2Metadata"/>), like 'openvpn --genkey tls-crypt-v2-client'.
    /// </summary>
    public static TlsCryptV2ClientKey Create(TlsCryptV2ServerKey serverKey, ReadOnlySpan<byte> metadata)
    {
        ArgumentNullException.ThrowIfNull(serverKey);
        var kc = new StaticKey(RandomNumberGenerator.GetBytes(StaticKey.SizeBytes));
        return new TlsCryptV2ClientKey(kc, serverKey.WrapClientKey(kc, metadata));
    }

    /// <summary>Parses the PEM file text; <paramref name="source"/> names the file in errors (FormatException).</summary>
    public static TlsCryptV2ClientKey Parse(string text, string source)
    {
        byte[] bytes = OpenVpnPem.Decode(text, PemLabel, source);
        int wkcLength = bytes.Length - StaticKey.SizeBytes;
        if (wkcLength < Wire.WrappedKeyTrailer.MinimumBytes || wkcLength > ProtocolConstants.TlsCryptV2MaxWrappedKeyBytes
            || ((bytes[^2] << 8) | bytes[^1]) != wkcLength)
        {
            throw new FormatException($"{source}: the tls-crypt-v2 client key has {bytes.Length} bytes, which is not a 256-byte key followed by a wrapped key of matching length.");
        }
        return new TlsCryptV2ClientKey(new StaticKey(bytes.AsSpan(0, StaticKey.SizeBytes)), bytes.AsSpan(StaticKey.SizeBytes));
    }

    /// <summary>The file form 'openvpn --genkey tls-crypt-v2-client' writes.</summary>
    public string ToFileText()
    {
        byte[] all = new byte[StaticKey.SizeBytes + _wrappedKey.Length];
        Key.Bytes.CopyTo(all);
        _wrappedKey.CopyTo(all, StaticKey.SizeBytes);
        string text = OpenVpnPem.Encode(PemLabel, all);
        CryptographicOperations.ZeroMemory(all);
        return text;
    }
}
