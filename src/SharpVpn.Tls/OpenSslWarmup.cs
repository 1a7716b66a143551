using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// Loads and initialises OpenSSL on a thread of its own. The first cryptographic call of a .NET process loads
/// libssl/libcrypto, binds the runtime's shim to them and runs OpenSSL's initialisation (config file included):
/// about 2.5 ms of a client's start, all of it before its first packet (the tls-crypt key of the reset needs it).
/// Started at the very beginning of <c>sharpvpn client|server</c>, it overlaps argument and config parsing and the
/// socket set-up; whoever needs OpenSSL first then waits only for the rest of it.
/// </summary>
public static class OpenSslWarmup
{
    private static int s_started;

    /// <summary>Starts the warm-up once per process (Linux; elsewhere, or if no thread can be created, does nothing).</summary>
    public static void Start()
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }
        _ = EarlyThread.TryStart(Run);
    }

    private static void Run()
    {
        try
        {
            // Any digest goes through the OpenSSL shim; its first use initialises it.
            _ = SHA256.HashData(ReadOnlySpan<byte>.Empty);
        }
        catch (CryptographicException)
        {
            // Only a warm-up: real uses report their own errors.
        }

        WarmCertificateCode();

        // SslStream's first buffer from the shared ArrayPool asks for the current processor id, and the first such
        // call in a process runs the runtime's timing calibration of that call (ProcessorIdCache, ~0.3 ms). Run it
        // here, while this thread has nothing else to do, rather than on the thread making the first ClientHello.
        _ = Thread.GetCurrentProcessorId();
    }

    /// <summary>
    /// The client's first certificate, CA and key loads pay for the first use of .NET's X.509 and key import code (its
    /// OID tables, extension decoders, PKCS#8 reader, the OpenSSL key objects): ~1.5 ms of its ~5 ms of credential
    /// and ClientHello work, which the handshake waits for (issue 7). Run here, that overlaps config parsing: a
    /// throwaway P-256 certificate is made, read back and paired with its key, as loading a real one does.
    /// </summary>
    private static void WarmCertificateCode()
    {
        try
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=warm-up", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            using X509Certificate2 made = request.CreateSelfSigned(now.AddMinutes(-1), now.AddMinutes(1));
            using X509Certificate2 read = X509CertificateLoader.LoadCertificate(made.RawData);
            foreach (X509Extension extension in read.Extensions)
            {
                _ = extension.Oid?.FriendlyName;
            }
            using ECDsa imported = ECDsa.Create();
            imported.ImportPkcs8PrivateKey(key.ExportPkcs8PrivateKey(), out _);
            using X509Certificate2 paired = read.CopyWithPrivateKey(imported);
        }
        catch (CryptographicException)
        {
            // Only a warm-up.
        }
    }
}
