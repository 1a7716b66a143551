using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// Everything an <see cref="SslStreamTlsEngine"/> needs for one TLS session. Immutable and shared:
/// a runtime builds it once from the config (<c>ca</c>, <c>cert</c>, <c>key</c>, <c>tls-version-min</c>,
/// <c>remote-cert-tls</c>, <c>verify-x509-name</c>, <c>crl-verify</c>) and creates one engine per key
/// state (every renegotiation runs a fresh TLS session, openvpn-protocol.md §12).
/// </summary>
public sealed class TlsEngineOptions
{
    private readonly object _contextLock = new();
    private SslStreamCertificateContext? _certificateContext;

    /// <summary>True for the TLS server role (OpenVPN <c>tls-server</c> / <c>server</c>).</summary>
    public required bool IsServer { get; init; }

    /// <summary>
    /// Our certificate with its private key (<see cref="TlsCredentials.LoadCertificate"/>); null for a client that logs
    /// in with auth-user-pass only (a server with <c>verify-client-cert none|optional</c>). A server always has one.
    /// </summary>
    public required X509Certificate2? Certificate { get; init; }

    /// <summary>Intermediate certificates sent along with ours (from the cert file after the first block).</summary>
    public X509Certificate2Collection? CertificateChain { get; init; }

    /// <summary>
    /// The configured CA(s): the only trust anchors; system roots are never used. Empty only with
    /// <see cref="PeerFingerprints"/> (OpenVPN's PKI-less mode: no chain is checked at all).
    /// </summary>
    public required X509Certificate2Collection TrustedCertificateAuthorities { get; init; }

    /// <summary>
    /// <c>peer-fingerprint</c>: SHA-256 digests (32 bytes each) of the peer certificates accepted; empty when the
    /// option is absent. The peer's own certificate must match one, besides the CA check when a CA is configured.
    /// </summary>
    public IReadOnlyList<byte[]> PeerFingerprints { get; init; } = [];

    public TlsVersion MinimumVersion { get; init; } = TlsVersion.Tls12;

    public TlsVersion MaximumVersion { get; init; } = TlsVersion.Tls13;

    public RemoteCertTls RemoteCertTls { get; init; } = RemoteCertTls.None;

    public VerifyX509Name? VerifyX509Name { get; init; }

    /// <summary>
    /// <c>x509-username-field</c>: the certificate fields that name the peer (default its CN). A peer certificate
    /// without them is refused; <see cref="VerifyX509Name"/>'s name and name-prefix compare against that name.
    /// </summary>
    public IReadOnlyList<PeerNameField> PeerNameFields { get; init; } = [PeerNameField.CommonName];

    /// <summary>
    /// Revocation lists (<c>crl-verify FILE</c>). When non-empty, every certificate of the peer's chain
    /// needs a valid CRL from its issuer and must not be listed in it, as OpenSSL enforces for OpenVPN.
    /// </summary>
    public IReadOnlyList<CertificateRevocationList> RevocationLists { get; init; } = [];

    /// <summary>Server only: <c>verify-client-cert</c> (default <see cref="ClientCertificateMode.Required"/>).</summary>
    public ClientCertificateMode ClientCertificate { get; init; } = ClientCertificateMode.Required;

    /// <summary>
    /// Whether a peer without a certificate is refused: always for a client (the server's certificate is what it
    /// trusts), for a server unless <see cref="ClientCertificate"/> lets such clients through.
    /// </summary>
    public bool RequiresPeerCertificate => !IsServer || ClientCertificate == ClientCertificateMode.Required;

    /// <summary>Clock for certificate and CRL validity (tests pass a fake one).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Our certificate as SslStream wants it, built once and shared by every engine made from these options:
    /// building it runs an X509 chain build (milliseconds each time), and OpenSSL's SSL_CTX is cached on it, so a
    /// server with one context per client would pay both per handshake and keep one SSL_CTX per client.
    /// </summary>
    internal SslStreamCertificateContext? CertificateContext
    {
        get
        {
            if (Certificate is null)
            {
                return null;
            }

            lock (_contextLock)
            {
                return _certificateContext ??= SslStreamCertificateContext.Create(Certificate, CertificateChain, offline: true);
            }
        }
    }

    /// <summary>
    /// Builds the shared certificate context now, on the calling thread, so the first handshake does not wait for it
    /// (a chain build; the first one of a process also loads OpenSSL's X509 code). Optional: errors are left for the
    /// first handshake, which builds the context again and reports them.
    /// </summary>
    public void PrepareCertificateContext()
    {
        try
        {
            _ = CertificateContext;
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or ArgumentException or NotSupportedException)
        {
            // Reported by the first handshake.
        }
    }

    /// <summary>How long one engine call may wait for SslStream to settle before it fails (a safety net, not a protocol timer).</summary>
    public TimeSpan PumpTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
