namespace SharpVpn.Config;

/// <summary><c>reneg-sec</c>, <c>reneg-bytes</c>, <c>reneg-pkts</c>, <c>hand-window</c>, <c>tls-timeout</c>, <c>tran-window</c>.</summary>
public sealed record RenegotiationSettings
{
    /// <summary>Seconds; 0 disables. Default 3600.</summary>
    public int RenegSeconds { get; init; } = 3600;

    /// <summary>Second arg of <c>reneg-sec min max</c> (2.6); null if not given.</summary>
    public int? RenegSecondsMax { get; init; }

    /// <summary>Bytes; 0 = off. null = not configured (2.6 then limits 64-bit block ciphers itself).</summary>
    public long? RenegBytes { get; init; }

    public long? RenegPackets { get; init; }

    public int HandWindowSeconds { get; init; } = 60;

    public int TlsTimeoutSeconds { get; init; } = 2;

    public int TranWindowSeconds { get; init; } = 3600;
}
