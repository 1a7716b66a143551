using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// Keeps .NET's one-time X509 set-up off the first handshake. The first chain build of a process (SslStream builds
/// one for our certificate and one for the peer's) loads OpenSSL's system store: every certificate in
/// /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs, even for a custom-root chain; measured 50 ms idle and
/// 200-500 ms on a loaded machine, between the server's reset and our ClientHello. OpenVPN, and so SharpVPN
/// (<see cref="PeerCertificateValidator"/>), trusts only the configured CA, so that store never decides anything.
/// When credentials load we therefore run the process's first chain build with OpenSSL's default store pointed at
/// nothing (SSL_CERT_FILE, SSL_CERT_DIR), then put both variables back: .NET fixes the store paths at that first
/// load, and children we start see the environment they would have seen anyway. It runs on the loading thread
/// (~0.2 ms): a client loads its credentials while its reset is in flight, and handing the build to the thread pool
/// cost more than that (the pool's first thread is created by the caller, ~0.5 ms).
/// </summary>
internal static partial class ChainWarmup
{
    private const string FileVariable = "SSL_CERT_FILE";
    private const string DirectoryVariable = "SSL_CERT_DIR";

    private static int s_started;

    /// <summary>The process's first chain build, with the system store out of reach; later calls do nothing.</summary>
    public static void Run(X509Certificate2 certificate)
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }
        (string? File, string? Directory)? saved = null;
        if (OperatingSystem.IsLinux())
        {
            // .NET's own copy of the environment (what Process.Start hands to children) is filled from libc's on
            // first enumeration: take it now so the temporary values below never reach it.
            _ = Environment.GetEnvironmentVariables();
            saved = (Environment.GetEnvironmentVariable(FileVariable), Environment.GetEnvironmentVariable(DirectoryVariable));
            // Read by the native crypto shim with getenv: a path that is not a regular file, and no directories.
            _ = SetEnv(FileVariable, "/dev/null", 1);
            _ = SetEnv(DirectoryVariable, string.Empty, 1);
        }
        try
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.DisableCertificateDownloads = true;
            _ = chain.Build(certificate);
        }
        catch (CryptographicException)
        {
            // Only a warm-up: the real chain builds report their own errors.
        }
        finally
        {
            if (saved is { } original)
            {
                Restore(FileVariable, original.File);
                Restore(DirectoryVariable, original.Directory);
            }
        }
    }

    private static void Restore(string name, string? value)
    {
        _ = value is null ? UnsetEnv(name) : SetEnv(name, value, 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnsetEnv(string name);
}
