namespace SharpVpn.Config;

/// <summary>Certificates, keys and the checks applied to the peer certificate.</summary>
public sealed record TlsSettings
{
    /// <summary>PEM text of <c>ca</c> (file content or inline block).</summary>
    public string? CaPem { get; init; }

    /// <summary>
    /// <c>peer-fingerprint</c>: SHA-256 digests (32 bytes each) of the peer certificates accepted; null when absent.
    /// With it <see cref="CaPem"/> is optional; without a CA any certificate with a listed fingerprint is accepted.
    /// </summary>
    public IReadOnlyList<byte[]>? PeerFingerprints { get; init; }

    /// <summary>PEM text of <c>cert</c>; <c>extra-certs</c> PEM is appended to <see cref="ExtraCertsPem"/>.</summary>
    public string? CertPem { get; init; }

    public string? KeyPem { get; init; }

    public string? ExtraCertsPem { get; init; }

    /// <summary>PEM text of <c>dh</c>; null with <c>dh none</c> (ECDHE only) or when absent.</summary>
    public string? DhPem { get; init; }

    /// <summary>Absolute path of <c>crl-verify FILE</c> so the server can re-read it on change/SIGHUP; null if inline or absent.</summary>
    public string? CrlPath { get; init; }

    /// <summary>PEM text of the CRL as read at parse time (file or inline <c>&lt;crl-verify&gt;</c>).</summary>
    public string? CrlPem { get; init; }

    /// <summary><c>tls-auth FILE [dir]</c>; <see cref="StaticKeyText.Direction"/> comes from the second arg or <c>key-direction</c>.</summary>
    public StaticKeyText? TlsAuth { get; init; }

    public StaticKeyText? TlsCrypt { get; init; }

    /// <summary>Client: the client key (with its wrapped WKc); server: the server key.</summary>
    public StaticKeyText? TlsCryptV2 { get; init; }

    /// <summary><c>tls-version-min</c> as written ("1.0", "1.1", "1.2", "1.3"); null = library default (1.2 in 2.6).</summary>
    public string? TlsVersionMin { get; init; }

    public bool TlsVersionMinOrHighest { get; init; }

    public string? TlsVersionMax { get; init; }

    public string? TlsCipher { get; init; }

    public string? TlsCipherSuites { get; init; }

    public string? EcdhCurve { get; init; }

    /// <summary><c>remote-cert-tls</c>: required EKU of the peer certificate.</summary>
    public CertificateRole? RemoteCertTls { get; init; }

    /// <summary><c>remote-cert-ku</c> values as hex strings (empty list = "any of the defaults" when given without args).</summary>
    public IReadOnlyList<string>? RemoteCertKu { get; init; }

    /// <summary><c>remote-cert-eku</c> OID or name.</summary>
    public string? RemoteCertEku { get; init; }

    /// <summary>Old <c>ns-cert-type server|client</c> (Netscape cert type; SharpVPN maps it to the EKU check).</summary>
    public CertificateRole? NsCertType { get; init; }

    public X509NameCheck? VerifyX509Name { get; init; }

    /// <summary>
    /// <c>x509-username-field</c>: the certificate fields whose values, joined by '_', name the peer (default its CN):
    /// the server's name for a client, what verify-x509-name's name and name-prefix compare. A peer lacking one is refused.
    /// </summary>
    public IReadOnlyList<X509UsernameField> X509UsernameFields { get; init; } = [X509UsernameField.CommonName];

    /// <summary><c>tls-verify CMD</c>: program and arguments run for each certificate of the peer's chain; null = none.</summary>
    public IReadOnlyList<string>? TlsVerify { get; init; }

    /// <summary><c>tls-export-cert DIR</c> (absolute): tls-verify gets the certificate it checks as a PEM file there ($peer_cert).</summary>
    public string? ExportCertDirectory { get; init; }

    /// <summary>Server only: <c>verify-client-cert</c> (default require).</summary>
    public VerifyClientCert VerifyClientCert { get; init; } = VerifyClientCert.Require;

    /// <summary>Private-key passphrase read from the <c>askpass FILE</c> first line; null if none.</summary>
    public string? PrivateKeyPassword { get; init; }

    /// <summary><c>askpass</c> without a file: ask on the terminal.</summary>
    public bool PromptForPrivateKeyPassword { get; init; }
}
