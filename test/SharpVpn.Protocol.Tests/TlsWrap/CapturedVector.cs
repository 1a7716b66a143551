using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.TlsWrap;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>A control-channel capture between real openvpn 2.6 peers (test/vectors/*.json; see README there).</summary>
internal sealed class CapturedVector
{
    public required string Name { get; init; }
    public required string Wrap { get; init; }
    public required string Auth { get; init; }
    public required string ServerDirection { get; init; }
    public required string ClientDirection { get; init; }
    public required JsonElement Keys { get; init; }
    public required List<(bool ToServer, byte[] Bytes)> Packets { get; init; }

    public static string VectorsDirectory([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "vectors"));

    public static CapturedVector Load(string fileName)
    {
        string path = Path.Combine(VectorsDirectory(), fileName);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        return new CapturedVector
        {
            Name = fileName,
            Wrap = root.GetProperty("wrap").GetString()!,
            Auth = root.GetProperty("auth").GetString()!,
            ServerDirection = root.GetProperty("server_direction").GetString()!,
            ClientDirection = root.GetProperty("client_direction").GetString()!,
            Keys = root.GetProperty("keys").Clone(),
            Packets = root.GetProperty("packets").EnumerateArray()
                .Select(p => (p.GetProperty("dir").GetString() == "c2s", Convert.FromHexString(p.GetProperty("hex").GetString()!)))
                .ToList(),
        };
    }

    public StaticKey StaticKey => StaticKey.Parse(Keys.GetProperty("static_key").GetString()!, Name);

    public TlsCryptV2ServerKey V2ServerKey => TlsCryptV2ServerKey.Parse(Keys.GetProperty("server_key").GetString()!, Name);

    public TlsCryptV2ClientKey V2ClientKey => TlsCryptV2ClientKey.Parse(Keys.GetProperty("client_key").GetString()!, Name);

    private static KeyDirection Direction(string d) => d switch
    {
        "0" => KeyDirection.Normal,
        "1" => KeyDirection.Inverse,
        _ => KeyDirection.Bidirectional,
    };

    /// <summary>The wrap a side would use; for tls-crypt-v2 servers the key is recovered from the first packet.</summary>
    public IControlChannelWrap CreateWrap(bool server, StaticKey? overrideKey = null)
    {
        Assert.True(TlsAuth.TryParseDigest(Auth, out HashAlgorithmName digest));
        return Wrap switch
        {
            "tls-auth" => new TlsAuth(overrideKey ?? StaticKey, Direction(server ? ServerDirection : ClientDirection), digest),
            "tls-crypt" => new TlsCrypt(overrideKey ?? StaticKey, server),
            "tls-crypt-v2" when server => CreateV2Server(),
            "tls-crypt-v2" => new TlsCryptV2ClientWrap(overrideKey is null ? V2ClientKey : new TlsCryptV2ClientKey(overrideKey, V2ClientKey.WrappedKey)),
            _ => throw new InvalidOperationException(Wrap),
        };
    }

    private TlsCryptV2ServerWrap CreateV2Server()
    {
        byte[] first = Packets.First(p => p.ToServer).Bytes;
        Assert.True(TlsCryptV2ServerWrap.TryCreate(V2ServerKey, first, out var wrap, out var reason), reason.ToString());
        return wrap;
    }
}
