using System.Diagnostics.CodeAnalysis;
using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Server side of tls-crypt-v2 for one client (openvpn-protocol.md §5.2): tls-crypt with the client's Kc in
/// server direction. <see cref="TryCreate"/> recovers Kc from the WKc at the end of a
/// P_CONTROL_HARD_RESET_CLIENT_V3 / P_CONTROL_WKC_V1 using the server key, before any per-client state exists.
/// <see cref="TryUnwrap"/> strips (and ignores, as OpenVPN does once a key is known) the WKc of V3/WKC packets.
/// </summary>
public sealed class TlsCryptV2ServerWrap : IControlChannelWrap, IDisposable
{
    private readonly TlsCrypt _crypt;

    /// <summary>Creates the wrap from an already unwrapped client key.</summary>
    public TlsCryptV2ServerWrap(StaticKey clientKey, ReadOnlySpan<byte> metadata)
    {
        _crypt = new TlsCrypt(clientKey, isServer: true);
        ClientKey = clientKey;
        Metadata = metadata.ToArray();
    }

    /// <summary>Kc as recovered from the client's WKc.</summary>
    public StaticKey ClientKey { get; }

    /// <summary>The metadata from WKc, type byte first (see <see cref="TlsCryptV2Metadata"/>).</summary>
    public ReadOnlyMemory<byte> Metadata { get; }

    /// <summary>
    /// Unwraps the WKc at the end of <paramref name="packet"/> (which must have opcode V3 or WKC_V1) with
    /// <paramref name="serverKey"/> and returns a wrap for that client. Does not touch the tls-crypt part; call
    /// <see cref="TryUnwrapStateless"/> or <see cref="TryUnwrap"/> on the result next. False on any failure.
    /// </summary>
    public static bool TryCreate(TlsCryptV2ServerKey serverKey, ReadOnlySpan<byte> packet,
        [NotNullWhen(true)] out TlsCryptV2ServerWrap? wrap, out DropReason reason)
    {
        ArgumentNullException.ThrowIfNull(serverKey);
        wrap = null;
        if (packet.IsEmpty || !PacketHeader.CarriesWrappedKey(PacketHeader.GetOpcode(packet[0])))
        {
            reason = DropReason.BadOpcode;
            return false;
        }
        if (!WrappedKeyTrailer.TrySplit(packet, out int bodyLength, out reason))
        {
            return false;
        }
        if (!serverKey.TryUnwrapClientKey(packet[bodyLength..], out StaticKey? kc, out byte[]? metadata, out reason))
        {
            return false;
        }
        wrap = new TlsCryptV2ServerWrap(kc, metadata);
        return true;
    }

    /// <inheritdoc />
    public int Overhead => TlsCrypt.WrapOverhead;

    /// <inheritdoc />
    public uint LastReceivedReplayId => _crypt.LastReceivedReplayId;

    /// <summary>True when the last unwrapped packet's replay id carried the early-negotiation marker 0x0f.</summary>
    public bool PeerAnnouncedEarlyNegotiation =>
        (LastReceivedReplayId & ProtocolConstants.EarlyNegotiationMask) == ProtocolConstants.EarlyNegotiationStart;

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        TryUnwrap(packet, plainOut, ReplayWindow.NoClock, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, long nowMs, out int plainLength, out DropReason reason)
    {
        if (!TryStripKey(ref packet, out reason))
        {
            plainLength = 0;
            return false;
        }
        return _crypt.TryUnwrap(packet, plainOut, nowMs, out plainLength, out reason);
    }

    /// <inheritdoc />
    public bool TryUnwrapStateless(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason)
    {
        if (!TryStripKey(ref packet, out reason))
        {
            plainLength = 0;
            return false;
        }
        return _crypt.TryUnwrapStateless(packet, plainOut, out plainLength, out reason);
    }

    private static bool TryStripKey(ref ReadOnlySpan<byte> packet, out DropReason reason)
    {
        reason = DropReason.None;
        if (packet.IsEmpty || !PacketHeader.CarriesWrappedKey(PacketHeader.GetOpcode(packet[0])))
        {
            return true;
        }
        if (!WrappedKeyTrailer.TrySplit(packet, out int bodyLength, out reason))
        {
            return false;
        }
        packet = packet[..bodyLength];
        return true;
    }

    /// <inheritdoc />
    public int Wrap(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint netTime) =>
        _crypt.Wrap(plainPacket, destination, netTime);

    /// <inheritdoc />
    public int WrapWithReplayId(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint replayPacketId, uint netTime) =>
        _crypt.WrapWithReplayId(plainPacket, destination, replayPacketId, netTime);

    /// <inheritdoc />
    public void SetSendCounter(uint lastPacketId, uint netTime) => _crypt.SetSendCounter(lastPacketId, netTime);

    /// <inheritdoc />
    public void Dispose() => _crypt.Dispose();
}
