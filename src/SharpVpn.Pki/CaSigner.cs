using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// The CA certificate and a signer for its key. A signer rather than an X509Certificate2 with a
/// private key, because an X509Certificate2 cannot hold an Ed25519/Ed448 key.
/// </summary>
internal sealed record CaSigner(X509Certificate2 Certificate, X509SignatureGenerator Signer);
