using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Client side of tls-crypt-v2 (openvpn-protocol.md §5.2, §6.3): tls-crypt with Kc in client direction, and the
/// wrapped key WKc appended in clear to P_CONTROL_HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1 packets.
/// With <c>earlyNegotiation</c> (2.6 behaviour) the replay packet-id starts at 0x0f000000, so the first V3 carries
/// 0x0f000001 and a 2.6 server answers statelessly with the RESEND_WKC TLV.
/// </summary>
public sealed class TlsCryptV2ClientWrap : IControlChannelWrap, IDisposable
{
    private readonly TlsCrypt _crypt;
    private readonly byte[] _wrappedKey;

    /// <summary>Creates the client wrap from its key file contents.</summary>
    public TlsCryptV2ClientWrap(TlsCryptV2ClientKey key, bool earlyNegotiation = true)
    {
        ArgumentNullException.ThrowIfNull(key);
        _crypt = new TlsCrypt(key.Key, isServer: false);
        _wrappedKey = key.WrappedKey.ToArray();
        if (earlyNegotiation)
        {
            _crypt.SetSendCounterId(ProtocolConstants.EarlyNegotiationStart);
        }
    }

    /// <summary>Length of WKc, added on top of <see cref="Overhead"/> for V3 and WKC_V1 packets.</summary>
    public int WrappedKeyLength => _wrappedKey.Length;

    /// <inheritdoc />
    public int Overhead => TlsCrypt.WrapOverhead;

    /// <inheritdoc />
    public uint LastReceivedReplayId => _crypt.LastReceivedReplayId;

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        _crypt.TryUnwrap(packet, plainOut, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, long nowMs, out int plainLength, out DropReason reason) =>
        _crypt.TryUnwrap(packet, plainOut, nowMs, out plainLength, out reason);

    /// <inheritdoc />
    public bool TryUnwrapStateless(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason) =>
        _crypt.TryUnwrapStateless(packet, plainOut, out plainLength, out reason);

    /// <inheritdoc />
    public int Wrap(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint netTime)
    {
        int trailer = TrailerLength(plainPacket);
        int n = _crypt.Wrap(plainPacket, destination[..Math.Max(0, destination.Length - trailer)], netTime);
        return AppendKey(plainPacket, destination, n);
    }

    /// <inheritdoc />
    public int WrapWithReplayId(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint replayPacketId, uint netTime)
    {
        int trailer = TrailerLength(plainPacket);
        int n = _crypt.WrapWithReplayId(plainPacket, destination[..Math.Max(0, destination.Length - trailer)], replayPacketId, netTime);
        return AppendKey(plainPacket, destination, n);
    }

    /// <inheritdoc />
    public void SetSendCounter(uint lastPacketId, uint netTime) => _crypt.SetSendCounter(lastPacketId, netTime);

    private int TrailerLength(ReadOnlySpan<byte> plainPacket) =>
        !plainPacket.IsEmpty && PacketHeader.CarriesWrappedKey(PacketHeader.GetOpcode(plainPacket[0])) ? _wrappedKey.Length : 0;

    private int AppendKey(ReadOnlySpan<byte> plainPacket, Span<byte> destination, int written)
    {
        if (TrailerLength(plainPacket) == 0)
        {
            return written;
        }
        _wrappedKey.CopyTo(destination[written..]);
        return written + _wrappedKey.Length;
    }

    /// <inheritdoc />
    public void Dispose() => _crypt.Dispose();
}
