namespace SharpVpn.Runtime.Logging;

/// <summary>
/// OpenVPN's <c>verb</c> levels for the messages SharpVPN writes (src/openvpn/errlevel.h: M_INFO 1,
/// D_HANDSHAKE 2, D_TUNTAP_INFO/D_ROUTE/D_TLS_DEBUG_LOW 3, D_SHOW_PARMS/D_PUSH 4, D_LINK_RW 5 ...).
/// A message is written when its level is at most the configured verb.
/// </summary>
public static class LogLevel
{
    /// <summary>Fatal errors; shown even with <c>verb 0</c>.</summary>
    public const int Fatal = 0;

    /// <summary>Normal operation (M_INFO, warnings, non-fatal errors).</summary>
    public const int Info = 1;

    /// <summary>Handshake summary ("Peer Connection Initiated", "Control Channel: ...").</summary>
    public const int Handshake = 2;

    /// <summary>TUN, route and TLS details (the usual <c>verb 3</c>).</summary>
    public const int Details = 3;

    /// <summary>Options, pushed options, parameters.</summary>
    public const int Options = 4;

    /// <summary>Per-event debug (drops, retransmits); rate-limited by the caller.</summary>
    public const int Debug = 7;
}
