namespace SharpVpn.Config;

/// <summary>Data-channel cipher negotiation inputs and framing (openvpn-protocol.md §9, §11).</summary>
public sealed record DataChannelSettings
{
    /// <summary>2.6 default of <c>data-ciphers</c>.</summary>
    public static readonly IReadOnlyList<string> DefaultDataCiphers = ["AES-256-GCM", "AES-128-GCM", "CHACHA20-POLY1305"];

    /// <summary><c>data-ciphers</c>/<c>ncp-ciphers</c> in canonical upper case, "DEFAULT" expanded, unknown optional ("?X") entries dropped.</summary>
    public IReadOnlyList<string> DataCiphers { get; init; } = DefaultDataCiphers;

    public string? DataCiphersFallback { get; init; }

    /// <summary><c>cipher</c> as configured (canonical upper case); null if absent. Sent in the OCC string; used
    /// for negotiation only if it is in <see cref="DataCiphers"/> (2.6 behaviour, a warning otherwise).</summary>
    public string? Cipher { get; init; }

    /// <summary><c>auth</c> digest (canonical upper case, e.g. "SHA1", "SHA256"); default SHA1. Also the tls-auth HMAC.</summary>
    public string Auth { get; init; } = "SHA1";

    public CompressionMode Compression { get; init; } = CompressionMode.None;

    public AllowCompression AllowCompression { get; init; } = AllowCompression.Asym;

    /// <summary><c>replay-window n [t]</c>, defaults 64 packets / 15 s.</summary>
    public int ReplayWindow { get; init; } = 64;

    public int ReplayWindowSeconds { get; init; } = 15;

    public bool MuteReplayWarnings { get; init; }
}
