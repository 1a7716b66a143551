using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// Runs one TLS handshake in memory against a server's options at start-up, so the first real client does not pay
/// the process's one-time TLS costs: OpenSSL's SSL_CTX for our certificate, the certificate context's chain build,
/// the first key share and signature, the peer-certificate check, and faulting in the code of all of it (~1-1.5 ms
/// on the first handshake of a fresh server, measured in the bench lab). OpenVPN likewise sets up its SSL_CTX at
/// start. The in-memory client presents a throw-away self-signed certificate, which the server rejects as it would
/// any certificate not issued by its CA; that rejection is the expected end. Nothing goes on the network.
/// </summary>
public static class ServerHandshakeWarmup
{
    private const int MaxRounds = 8;

    /// <summary>Runs the warm-up on the calling thread; never throws (a failure only means less was warmed).</summary>
    public static void Run(TlsEngineOptions server)
    {
        ArgumentNullException.ThrowIfNull(server);
        try
        {
            RunCore(server);
        }
        catch (Exception ex) when (ex is CryptographicException or AuthenticationException or InvalidOperationException
            or ArgumentException or IOException or NotSupportedException)
        {
            // Only a warm-up: the first real handshake reports whatever is wrong.
        }
    }

    private static void RunCore(TlsEngineOptions server)
    {
        server.PrepareCertificateContext();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=sharpvpn-warmup", key, HashAlgorithmName.SHA256);
        DateTimeOffset now = DateTimeOffset.UtcNow;
        using X509Certificate2 certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddMinutes(5));
        var clientOptions = new TlsEngineOptions
        {
            IsServer = false,
            Certificate = certificate,
            TrustedCertificateAuthorities = server.TrustedCertificateAuthorities,
            // PKI-less server (peer-fingerprint, no CA): pin its certificate so the warm-up gets as far as with a CA.
            PeerFingerprints = server.TrustedCertificateAuthorities.Count == 0 && server.Certificate is { } own ? [SHA256.HashData(own.RawData)] : [],
            MinimumVersion = server.MinimumVersion,
            MaximumVersion = server.MaximumVersion,
        };
        using var serverEngine = new SslStreamTlsEngine(server);
        using var clientEngine = new SslStreamTlsEngine(clientOptions);
        serverEngine.Start();
        clientEngine.Start();
        byte[] buffer = new byte[16 * 1024];
        for (int round = 0; round < MaxRounds; round++)
        {
            bool moved = TlsEnginePump.Move(clientEngine, serverEngine, buffer) | TlsEnginePump.Move(serverEngine, clientEngine, buffer);
            if (!moved || serverEngine.Failure is not null || clientEngine.Failure is not null)
            {
                return;
            }
        }
    }
}
