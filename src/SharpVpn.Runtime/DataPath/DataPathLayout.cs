namespace SharpVpn.Runtime.DataPath;

/// <summary>
/// Sizes of the data path (our choice). A plaintext packet is read from the TUN at <see cref="Headroom"/>
/// so the compression framing byte(s) can be written in front of it without a copy; the encrypted
/// packet goes to a separate buffer (the cipher writes its output somewhere anyway).
/// </summary>
public static class DataPathLayout
{
    /// <summary>Space before a TUN packet: compression framing (≤ 2 bytes), rounded up for alignment.</summary>
    public const int Headroom = 16;

    /// <summary>
    /// Largest data-channel overhead: P_DATA_V2 header 4 + HMAC-SHA512 64 + CBC IV 16 + padding 16
    /// (AEAD: 4 + 4 + 16), plus framing 2, plus slack.
    /// </summary>
    public const int MaxCryptoOverhead = 128;

    /// <summary>Buffer size for packets of a tunnel with this TUN MTU (both plaintext and wire packets fit).</summary>
    public static int BufferBytesFor(int tunMtu) => Headroom + Math.Max(tunMtu, 1500) + MaxCryptoOverhead + 64;

    /// <summary>Packets one TunReadLoop / LinkReceiveLoop iteration takes at most.</summary>
    public const int BatchSize = 32;
}
