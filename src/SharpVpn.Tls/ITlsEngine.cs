using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// A TLS endpoint driven purely by bytes: the caller feeds the peer's ciphertext in stream order
/// and collects ciphertext to send and plaintext that arrived. It does no network I/O of its own,
/// so OpenVPN's control channel (which slices the TLS byte stream into reliable packets,
/// openvpn-protocol.md §3.6) can carry it. Kept small so .NET 11's TlsSession can implement it.
/// </summary>
/// <remarks>
/// Contract: every method returns only once the engine has processed its input as far as it can
/// (no background work continues afterwards), so the caller can drive it deterministically from one
/// thread. Instances are not thread-safe; one caller at a time.
/// </remarks>
public interface ITlsEngine : IDisposable
{
    /// <summary>True for the TLS server role.</summary>
    bool IsServer { get; }

    /// <summary>
    /// Starts the handshake; a client queues its ClientHello as ciphertext. Later calls do nothing (an engine may be
    /// handed over already started, see the client's first engine).
    /// </summary>
    void Start();

    /// <summary>Feeds ciphertext received from the peer (in order; any slicing).</summary>
    void FeedCiphertext(ReadOnlySpan<byte> ciphertext);

    /// <summary>Ciphertext bytes waiting to be sent to the peer.</summary>
    int PendingCiphertextBytes { get; }

    /// <summary>Moves up to <c>destination.Length</c> ciphertext bytes into <paramref name="destination"/>; returns the count.</summary>
    int TakeCiphertext(Span<byte> destination);

    /// <summary>
    /// Sends one application-data message. Small messages (below 16 KiB) become exactly one TLS record,
    /// which 2.4 peers rely on (openvpn-protocol.md §10.4). Written before the handshake completes,
    /// messages are queued and sent in order right after it.
    /// </summary>
    void WritePlaintext(ReadOnlySpan<byte> plaintext);

    /// <summary>Plaintext bytes received from the peer and not yet read.</summary>
    int PendingPlaintextBytes { get; }

    /// <summary>Moves up to <c>destination.Length</c> received plaintext bytes into <paramref name="destination"/>.</summary>
    int ReadPlaintext(Span<byte> destination);

    /// <summary>True once the TLS handshake finished successfully (peer verified).</summary>
    bool IsHandshakeComplete { get; }

    /// <summary>
    /// Set when the engine failed (handshake or record error, peer certificate rejected, peer closed);
    /// usually an <see cref="System.Security.Authentication.AuthenticationException"/> whose message says why.
    /// After a failure the engine stays failed; pending ciphertext (e.g. an alert) may still be taken.
    /// </summary>
    Exception? Failure { get; }

    /// <summary>The verified peer certificate, once the handshake completed (may be null for a client-less server).</summary>
    X509Certificate2? PeerCertificate { get; }

    /// <summary>Short description for logs, e.g. "TLSv1.3, cipher TLS_AES_256_GCM_SHA384"; null before the handshake.</summary>
    string? ConnectionDescription { get; }
}
