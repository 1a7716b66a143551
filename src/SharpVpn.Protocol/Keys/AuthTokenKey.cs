using System.Security.Cryptography;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// The server's auth-token secret (<c>auth-gen-token-secret</c>): one OpenVPN <c>struct key</c> of 128 bytes in a PEM
/// file labelled "OpenVPN auth-token server key", as 'openvpn --genkey auth-token' writes it. Tokens are signed with
/// HMAC-SHA256 keyed by the HMAC half's first 32 bytes (auth_token.c: key type "none"/"SHA256", bytes 64..95).
/// Without a file the server makes a random one at start, so its tokens die with the process.
/// </summary>
public sealed class AuthTokenKey
{
    /// <summary>Key size in bytes.</summary>
    public const int SizeBytes = 128;

    /// <summary>PEM label of the key file.</summary>
    public const string PemLabel = "OpenVPN auth-token server key";

    private const int HmacOffset = 64;
    private const int HmacKeyBytes = 32;

    private readonly byte[] _bytes;

    /// <summary>Wraps 128 raw key bytes.</summary>
    public AuthTokenKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeBytes)
        {
            throw new ArgumentException($"An auth-token key has {SizeBytes} bytes, not {bytes.Length}.", nameof(bytes));
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>The HMAC-SHA256 key tokens are signed with.</summary>
    public ReadOnlySpan<byte> HmacKey => _bytes.AsSpan(HmacOffset, HmacKeyBytes);

    /// <summary>A new random key (what the server uses when no auth-gen-token-secret is configured).</summary>
    public static AuthTokenKey Generate() => new(RandomNumberGenerator.GetBytes(SizeBytes));

    /// <summary>Parses the PEM file text; <paramref name="source"/> names the file in errors (FormatException).</summary>
    public static AuthTokenKey Parse(string text, string source)
    {
        byte[] bytes = OpenVpnPem.Decode(text, PemLabel, source);
        if (bytes.Length < SizeBytes)
        {
            // openvpn reads one struct key from the start of the data and refuses less ("not enough data").
            throw new FormatException($"{source}: the auth-token secret has {bytes.Length} bytes; it needs {SizeBytes}.");
        }
        return new AuthTokenKey(bytes.AsSpan(0, SizeBytes));
    }

    /// <summary>The file form 'openvpn --genkey auth-token' writes.</summary>
    public string ToFileText() => OpenVpnPem.Encode(PemLabel, _bytes);
}
