using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// The first X509 chain build of a process loads OpenSSL's system certificate store (every file under
/// /etc/ssl/certs, even for a custom-root chain): 30-500 ms depending on load, and SslStream builds a chain for
/// our certificate and for the peer's on the first handshake. Loading credentials starts one throw-away chain
/// build on a thread-pool thread, so that cost overlaps with start-up instead of delaying the first handshake.
/// </summary>
internal static class ChainWarmup
{
    private static int s_started;

    public static void Start(X509Certificate2 certificate)
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }
        ThreadPool.UnsafeQueueUserWorkItem(static cert =>
        {
            try
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                chain.ChainPolicy.DisableCertificateDownloads = true;
                _ = chain.Build(cert);
            }
            catch (CryptographicException)
            {
                // Only a warm-up: the real chain builds report their own errors.
            }
            finally
            {
                cert.Dispose();
            }
        }, certificate, preferLocal: false);
    }
}
