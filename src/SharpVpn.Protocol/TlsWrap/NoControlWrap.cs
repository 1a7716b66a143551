namespace SharpVpn.Protocol.TlsWrap;

/// <summary>No tls-auth / tls-crypt configured: packets travel in the plain layout (openvpn-protocol.md §3.1).</summary>
public sealed class NoControlWrap : IControlChannelWrap
{
    /// <inheritdoc />
    public int Overhead => 0;

    /// <inheritdoc />
    public uint LastReceivedReplayId => 0;

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        TryUnwrapStateless(packet, plainOut, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, long nowMs, out int plainLength, out DropReason reason) =>
        TryUnwrapStateless(packet, plainOut, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrapStateless(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason)
    {
        plainLength = 0;
        if (packet.Length < 1 + ProtocolConstants.SessionIdBytes)
        {
            reason = DropReason.TooShort;
            return false;
        }
        if (packet.Length > plainOut.Length)
        {
            reason = DropReason.TooLong;
            return false;
        }
        packet.CopyTo(plainOut);
        plainLength = packet.Length;
        reason = DropReason.None;
        return true;
    }

    /// <inheritdoc />
    public int Wrap(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint netTime) =>
        WrapWithReplayId(plainPacket, destination, 0, netTime);

    /// <inheritdoc />
    public int WrapWithReplayId(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint replayPacketId, uint netTime)
    {
        if (destination.Length < plainPacket.Length)
        {
            throw new ArgumentException($"The destination holds {destination.Length} bytes; the packet needs {plainPacket.Length}.", nameof(destination));
        }
        plainPacket.CopyTo(destination);
        return plainPacket.Length;
    }

    /// <inheritdoc />
    public void SetSendCounter(uint lastPacketId, uint netTime)
    {
        // No replay fields without wrapping.
    }
}
