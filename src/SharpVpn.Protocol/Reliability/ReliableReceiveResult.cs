namespace SharpVpn.Protocol.Reliability;

/// <summary>What <see cref="ReliableReceiveWindow.Receive"/> did with a reliable packet.</summary>
public enum ReliableReceiveResult : byte
{
    /// <summary>New and within the window: stored and acked.</summary>
    Accepted,

    /// <summary>Already delivered or already buffered: not stored again, but acked again (ssl.c tls_pre_decrypt).</summary>
    Duplicate,

    /// <summary>At or beyond next expected + window: dropped without ack (reliable_wont_break_sequentiality).</summary>
    OutOfWindow,
}
