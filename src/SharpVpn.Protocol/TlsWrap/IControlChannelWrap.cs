namespace SharpVpn.Protocol.TlsWrap;

/// <summary>
/// Control-channel protection (none, tls-auth, tls-crypt, tls-crypt-v2) behind one shape, so the control session
/// does not care which is configured. Converts between the wire form and the plain layout that
/// <see cref="Wire.ControlPacket"/> parses (openvpn-protocol.md §3.1, §4, §5).
/// Instances hold per-session replay and send-counter state and are not thread-safe: use one per session
/// (plus, on a server, one shared instance for the stateless pre-check via <see cref="TryUnwrapStateless"/>).
/// </summary>
public interface IControlChannelWrap
{
    /// <summary>Bytes <see cref="Wrap"/> adds to a plain packet (tls-auth: HMAC size + 8; tls-crypt: 40; none: 0).
    /// tls-crypt-v2 clients add the wrapped key on top for V3/WKC packets (see <see cref="TlsCryptV2ClientWrap.WrappedKeyLength"/>).</summary>
    int Overhead { get; }

    /// <summary>The replay packet-id of the last packet that unwrapped successfully (0 before any).
    /// A server reads the tls-crypt-v2 early-negotiation marker (0x0f000000) from it.</summary>
    uint LastReceivedReplayId { get; }

    /// <summary>
    /// Authenticates (and for tls-crypt decrypts) <paramref name="packet"/>, runs the replay check and writes the plain
    /// layout to <paramref name="plainOut"/>. On failure returns false with a reason; nothing is thrown, and the replay
    /// state is unchanged. <paramref name="plainOut"/> must not overlap <paramref name="packet"/>.
    /// </summary>
    bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason);

    /// <summary>
    /// As <see cref="TryUnwrap(ReadOnlySpan{byte}, Span{byte}, out int, out DropReason)"/> for a packet received at
    /// <paramref name="nowMs"/> (monotonic ms): replay ids left unseen for longer than --replay-window's 15 s expire,
    /// as in OpenVPN. Sessions call this one.
    /// </summary>
    bool TryUnwrap(ReadOnlySpan<byte> packet, Span<byte> plainOut, long nowMs, out int plainLength, out DropReason reason);

    /// <summary>
    /// As <see cref="TryUnwrap"/> but neither checks nor updates the replay window: the server's stateless check of
    /// packets from unknown addresses (ssl_pkt.c tls_pre_decrypt_lite).
    /// </summary>
    bool TryUnwrapStateless(ReadOnlySpan<byte> packet, Span<byte> plainOut, out int plainLength, out DropReason reason);

    /// <summary>
    /// Wraps a plain packet using the next replay packet-id. The time field is latched from <paramref name="netTime"/>
    /// (Unix seconds) on the first call and stays constant afterwards, as OpenVPN's long-form packet-id does.
    /// Returns the bytes written. Throws <see cref="ArgumentException"/> if <paramref name="destination"/> is too small
    /// (needs plain length + <see cref="Overhead"/>, plus the wrapped key for tls-crypt-v2 V3/WKC) or the plain packet
    /// is shorter than 9 bytes.
    /// </summary>
    int Wrap(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint netTime);

    /// <summary>
    /// Wraps with an explicit replay packet-id and time and leaves the send counter alone: the server's stateless reset
    /// reply (replay packet-id 1, time = now; mudp.c send_hmac_reset_packet).
    /// </summary>
    int WrapWithReplayId(ReadOnlySpan<byte> plainPacket, Span<byte> destination, uint replayPacketId, uint netTime);

    /// <summary>
    /// Sets the send counter so the next <see cref="Wrap"/> uses <paramref name="lastPacketId"/> + 1 and time
    /// <paramref name="netTime"/>. Used when a session takes over after a stateless reply (last id 1), and by
    /// tls-crypt-v2 clients announcing early negotiation (last id 0x0f000000).
    /// </summary>
    void SetSendCounter(uint lastPacketId, uint netTime);
}
