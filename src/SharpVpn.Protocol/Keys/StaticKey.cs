using System.Security.Cryptography;
using System.Text;

namespace SharpVpn.Protocol.Keys;

/// <summary>
/// The 2048-bit "OpenVPN Static key V1" used by tls-auth and tls-crypt (openvpn-protocol.md §4.1).
/// 256 bytes = 4 slices of 64: [0] cipher key dir 0, [1] HMAC key dir 0, [2] cipher key dir 1, [3] HMAC key dir 1.
/// </summary>
public sealed class StaticKey
{
    public const int SizeBytes = 256;
    private const string Begin = "-----BEGIN OpenVPN Static key V1-----";
    private const string End = "-----END OpenVPN Static key V1-----";

    private readonly byte[] _bytes;

    public StaticKey(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != SizeBytes)
        {
            throw new ArgumentException($"An OpenVPN static key has {SizeBytes} bytes, not {bytes.Length}.", nameof(bytes));
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>All 256 key bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>One of the four 64-byte slices (0: cipher dir 0, 1: HMAC dir 0, 2: cipher dir 1, 3: HMAC dir 1).</summary>
    public ReadOnlySpan<byte> Slice(int index) => _bytes.AsSpan(index * 64, 64);

    public static StaticKey Generate() => new(RandomNumberGenerator.GetBytes(SizeBytes));

    /// <summary>Parses the PEM-like text form; <paramref name="source"/> names the file in errors.</summary>
    public static StaticKey Parse(string text, string source)
    {
        int begin = text.IndexOf(Begin, StringComparison.Ordinal);
        int end = text.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin)
        {
            throw new FormatException($"{source}: not an OpenVPN static key (no '{Begin}' ... '{End}' block).");
        }
        var hex = new StringBuilder(SizeBytes * 2);
        foreach (string rawLine in text[(begin + Begin.Length)..end].Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            hex.Append(line);
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex.ToString());
        }
        catch (FormatException)
        {
            throw new FormatException($"{source}: the static key holds characters that are not hexadecimal.");
        }
        if (bytes.Length != SizeBytes)
        {
            throw new FormatException($"{source}: the static key has {bytes.Length} bytes; OpenVPN static keys have {SizeBytes}.");
        }
        return new StaticKey(bytes);
    }

    /// <summary>The file form that 'openvpn --genkey secret' writes.</summary>
    public string ToFileText()
    {
        var sb = new StringBuilder();
        sb.Append("#\n# 2048 bit OpenVPN static key\n#\n").Append(Begin).Append('\n');
        string hex = Convert.ToHexStringLower(_bytes);
        for (int i = 0; i < hex.Length; i += 32)
        {
            sb.Append(hex, i, 32).Append('\n');
        }
        sb.Append(End).Append('\n');
        return sb.ToString();
    }
}
