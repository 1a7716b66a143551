using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Session;

/// <summary>
/// Helpers for a UDP server's stateless first step (openvpn-protocol.md §6.1; mudp.c <c>send_hmac_reset_packet</c>):
/// the reply to a client hard reset is built before any session exists.
/// </summary>
public static class ServerHandshake
{
    /// <summary>The early-negotiation TLV a 2.6 server puts in its reset to a tls-crypt-v2 client that set the 0x0f marker:
    /// type EARLY_NEG_FLAGS (0x0001), length 2, value RESEND_WKC (0x0001) (ssl_pkt.h).</summary>
    public static ReadOnlySpan<byte> EarlyNegotiationResendWkc => [0x00, 0x01, 0x00, 0x02, 0x00, 0x01];

    /// <summary>
    /// Writes P_CONTROL_HARD_RESET_SERVER_V2: own sid = <paramref name="cookie"/>, ack block = [0] + client sid,
    /// message id 0, empty payload (or the RESEND_WKC TLV when <paramref name="earlyNegotiation"/>), wrapped with
    /// replay packet-id 1 and time <paramref name="netTime"/>. Returns the datagram length.
    /// </summary>
    public static int WriteStatelessResetReply(IControlChannelWrap wrap, SessionId cookie, SessionId clientSessionId,
        bool earlyNegotiation, uint netTime, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        Span<byte> plain = stackalloc byte[64];
        ReadOnlySpan<uint> acks = [0u];
        int n = ControlPacket.Write(plain, Opcode.ControlHardResetServerV2, 0, cookie, acks, clientSessionId, 0,
            earlyNegotiation ? EarlyNegotiationResendWkc : default);
        return wrap.WrapWithReplayId(plain[..n], destination, 1, netTime);
    }
}
