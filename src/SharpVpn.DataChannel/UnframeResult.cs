namespace SharpVpn.DataChannel;

/// <summary>Outcome of <see cref="CompressionFraming.Unframe"/>; Ok and Decompressed carry a packet, the rest mean drop.</summary>
public enum UnframeResult
{
    /// <summary>Uncompressed packet (framing removed).</summary>
    Ok,

    /// <summary>Packet was LZO/LZ4 compressed and has been decompressed.</summary>
    Decompressed,

    /// <summary>Empty payload (nothing to deliver).</summary>
    Empty,

    /// <summary>Header byte not allowed in this mode.</summary>
    BadHeader,

    /// <summary>Compressed data malformed or larger than the output bound.</summary>
    DecompressFailed,
}
