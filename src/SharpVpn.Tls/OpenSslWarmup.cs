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

        WarmKeyUsageDecoding();

        // SslStream's first buffer from the shared ArrayPool asks for the current processor id, and the first such
        // call in a process runs the runtime's timing calibration of that call (ProcessorIdCache, ~0.3 ms). Run it
        // here, while this thread has nothing else to do, rather than on the thread making the first ClientHello.
        _ = Thread.GetCurrentProcessorId();
    }

    /// <summary>
    /// Loading our certificate decodes its key-usage extension (when the key is paired with the certificate), and .NET
    /// decodes such a flags list through reflection (the enum's [Flags] attribute and underlying type), whose first use
    /// in a Native AOT process sets up the reflection metadata: ~0.5 ms. Done here with a key usage of our own, while
    /// this thread has nothing else to do, the real credential load no longer waits for it.
    /// Not a throwaway certificate (made, read back and paired with its key, as an earlier version did): that took
    /// ~5 ms of CPU and ran beside the real credential load, on a 2-core machine slowing it more than it prepaid
    /// (handshake 1.3-2.5 ms slower, issue 7).
    /// </summary>
    private static void WarmKeyUsageDecoding() =>
        _ = new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true).KeyUsages;
}
