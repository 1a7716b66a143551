namespace SharpVpn.Platform.Transport;

/// <summary>
/// One connection to one peer that carries whole OpenVPN packets: a connected UDP socket or a
/// framed TCP stream. The client uses it for either <c>proto</c>. Receive from one thread, send from one thread.
/// </summary>
public interface IPacketLink : IDisposable
{
    /// <summary>True for TCP (stream) links; OpenVPN then uses no packet-id replay slack, etc.</summary>
    bool IsStream { get; }

    /// <summary>Blocks for the next whole packet and copies it into <paramref name="buffer"/>; returns its length, or 0 when the link closed.</summary>
    int Receive(Span<byte> buffer);

    /// <summary>Sends one packet; returns false when it was dropped (transient network error), throws if the link is gone.</summary>
    bool Send(ReadOnlySpan<byte> packet);
}
