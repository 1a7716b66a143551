namespace SharpVpn.Tls;

/// <summary>
/// What a server asks of its clients' certificates: OpenVPN's <c>verify-client-cert none|optional|require</c>.
/// A client always requires the server's certificate; this does not apply to it.
/// </summary>
public enum ClientCertificateMode
{
    /// <summary>Not asked for (no SSL_VERIFY_PEER): clients log in by other means, e.g. a password.</summary>
    None,

    /// <summary>Asked for and checked when given; a client without one is let through.</summary>
    Optional,

    /// <summary>Asked for and checked; a client without one is refused (OpenVPN's default).</summary>
    Required,
}
