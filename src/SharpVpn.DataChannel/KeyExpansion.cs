using System.Security.Cryptography;

namespace SharpVpn.DataChannel;

/// <summary>
/// OpenVPN's TLS1-PRF data-channel key derivation (openvpn-protocol.md §8.1; openvpn
/// src/openvpn/ssl.c generate_key_expansion_openvpn_prf). The result is the 256-byte "key2"
/// block laid out as:
/// <code>
///   0..63    cipher key,            client -> server
///  64..127   HMAC key / implicit IV, client -> server
/// 128..191   cipher key,            server -> client
/// 192..255   HMAC key / implicit IV, server -> client
/// </code>
/// </summary>
public static class KeyExpansion
{
    public const int PreMasterLength = 48;
    public const int RandomLength = 32;
    public const int SessionIdLength = 8;
    public const int MasterSecretLength = 48;
    public const int KeyMaterialLength = 256;

    /// <summary>Length of one direction's half (cipher slice 64 + HMAC slice 64).</summary>
    public const int DirectionLength = 128;

    /// <summary>Length of a cipher or HMAC slice inside a direction.</summary>
    public const int SliceLength = 64;

    // Labels have no trailing space and no NUL (pitfall 15).
    private static ReadOnlySpan<byte> MasterLabel => "OpenVPN master secret"u8;
    private static ReadOnlySpan<byte> ExpansionLabel => "OpenVPN key expansion"u8;

    /// <summary>
    /// Derives the 256-byte key block from the client's pre-master secret, both sides' randoms
    /// (from the key-method-2 records) and both 8-byte control-channel session ids.
    /// </summary>
    public static byte[] DeriveKeyMaterial(
        ReadOnlySpan<byte> preMaster,
        ReadOnlySpan<byte> clientRandom1,
        ReadOnlySpan<byte> clientRandom2,
        ReadOnlySpan<byte> serverRandom1,
        ReadOnlySpan<byte> serverRandom2,
        ReadOnlySpan<byte> clientSessionId,
        ReadOnlySpan<byte> serverSessionId)
    {
        CheckLength(preMaster, PreMasterLength, nameof(preMaster));
        CheckLength(clientRandom1, RandomLength, nameof(clientRandom1));
        CheckLength(clientRandom2, RandomLength, nameof(clientRandom2));
        CheckLength(serverRandom1, RandomLength, nameof(serverRandom1));
        CheckLength(serverRandom2, RandomLength, nameof(serverRandom2));
        CheckLength(clientSessionId, SessionIdLength, nameof(clientSessionId));
        CheckLength(serverSessionId, SessionIdLength, nameof(serverSessionId));

        Span<byte> master = stackalloc byte[MasterSecretLength];
        DeriveMasterSecret(preMaster, clientRandom1, serverRandom1, master);

        // seed = label || client.random2 || server.random2 || client sid || server sid
        Span<byte> seed = stackalloc byte[ExpansionLabel.Length + 2 * RandomLength + 2 * SessionIdLength];
        int o = 0;
        ExpansionLabel.CopyTo(seed); o += ExpansionLabel.Length;
        clientRandom2.CopyTo(seed[o..]); o += RandomLength;
        serverRandom2.CopyTo(seed[o..]); o += RandomLength;
        clientSessionId.CopyTo(seed[o..]); o += SessionIdLength;
        serverSessionId.CopyTo(seed[o..]);

        byte[] key2 = new byte[KeyMaterialLength];
        Tls1Prf.Derive(master, seed, key2);
        CryptographicOperations.ZeroMemory(master);
        return key2;
    }

    /// <summary>master = PRF(pre_master, "OpenVPN master secret" || client.random1 || server.random1, 48).</summary>
    public static void DeriveMasterSecret(
        ReadOnlySpan<byte> preMaster,
        ReadOnlySpan<byte> clientRandom1,
        ReadOnlySpan<byte> serverRandom1,
        Span<byte> master)
    {
        CheckLength(master, MasterSecretLength, nameof(master));
        Span<byte> seed = stackalloc byte[MasterLabel.Length + 2 * RandomLength];
        MasterLabel.CopyTo(seed);
        clientRandom1.CopyTo(seed[MasterLabel.Length..]);
        serverRandom1.CopyTo(seed[(MasterLabel.Length + RandomLength)..]);
        Tls1Prf.Derive(preMaster, seed, master);
    }

    /// <summary>
    /// The 128-byte half this side encrypts with: the client uses 0..127 (client -> server),
    /// the server 128..255 (KEY_DIRECTION_NORMAL / INVERSE, ssl.c init_key_contexts).
    /// </summary>
    public static ReadOnlySpan<byte> GetEncryptHalf(ReadOnlySpan<byte> keyMaterial, bool isServer)
    {
        CheckLength(keyMaterial, KeyMaterialLength, nameof(keyMaterial));
        return keyMaterial.Slice(isServer ? DirectionLength : 0, DirectionLength);
    }

    /// <summary>The 128-byte half this side decrypts with (the peer's sending half).</summary>
    public static ReadOnlySpan<byte> GetDecryptHalf(ReadOnlySpan<byte> keyMaterial, bool isServer)
    {
        CheckLength(keyMaterial, KeyMaterialLength, nameof(keyMaterial));
        return keyMaterial.Slice(isServer ? 0 : DirectionLength, DirectionLength);
    }

    /// <summary>Cipher key slice (64 bytes; an algorithm takes its first key-size bytes).</summary>
    public static ReadOnlySpan<byte> CipherSlice(ReadOnlySpan<byte> half) => half[..SliceLength];

    /// <summary>HMAC key / implicit IV slice (64 bytes; first digest-size or 8 bytes are used).</summary>
    public static ReadOnlySpan<byte> HmacSlice(ReadOnlySpan<byte> half) => half.Slice(SliceLength, SliceLength);

    private static void CheckLength(ReadOnlySpan<byte> value, int expected, string name)
    {
        if (value.Length != expected)
        {
            throw new ArgumentException($"{name} must be {expected} bytes, got {value.Length}.", name);
        }
    }
}
