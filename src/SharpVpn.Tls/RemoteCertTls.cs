namespace SharpVpn.Tls;

/// <summary>
/// OpenVPN's <c>remote-cert-tls server|client</c>: the peer certificate must carry a key-usage
/// extension and the matching extended key usage (TLS Web Server / Client Authentication).
/// </summary>
public enum RemoteCertTls
{
    /// <summary>No role check (OpenVPN's default without the option).</summary>
    None,

    /// <summary>Peer must be a TLS server: EKU serverAuth (1.3.6.1.5.5.7.3.1).</summary>
    Server,

    /// <summary>Peer must be a TLS client: EKU clientAuth (1.3.6.1.5.5.7.3.2).</summary>
    Client,
}
