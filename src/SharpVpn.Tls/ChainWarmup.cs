using System.Runtime.InteropServices;

namespace SharpVpn.Tls;

/// <summary>
/// Keeps .NET's one-time X509 set-up off the first handshake. The first chain build of a process (SslStream builds
/// one for our certificate and one for the peer's) loads OpenSSL's system store: every certificate in
/// /etc/ssl/certs/ca-certificates.crt and /etc/ssl/certs, even for a custom-root chain; measured 50 ms idle and
/// 200-500 ms on a loaded machine, between the server's reset and our ClientHello. OpenVPN, and so SharpVPN
/// (<see cref="PeerCertificateValidator"/>), trusts only the configured CA, so that store never decides anything.
/// When credentials load we therefore run the process's first chain build (the one for our own certificate's
/// context, which SslStream needs anyway) with OpenSSL's default store pointed at nothing (SSL_CERT_FILE,
/// SSL_CERT_DIR), then put both variables back: .NET fixes the store paths at that first load, and children we start
/// see the environment they would have seen anyway. It runs on the loading thread: a client loads its credentials
/// while its reset is in flight, and handing the build to the thread pool cost more (the pool's first thread is
/// created by the caller, ~0.5 ms).
/// Adding a variable to the environment may move libc's environment array, which a getenv on another thread could be
/// reading; a client that loads its credentials on a side thread therefore calls <see cref="HideSystemStore"/> first,
/// while it has only one thread, and the restore after the build only replaces or removes entries in place.
/// </summary>
public static partial class ChainWarmup
{
    private const string FileVariable = "SSL_CERT_FILE";
    private const string DirectoryVariable = "SSL_CERT_DIR";

    private static int s_started;
    private static (string? File, string? Directory)? s_hidden;

    /// <summary>
    /// Points OpenSSL's default store at nothing now, until the first chain build (<see cref="Run"/>) puts the
    /// variables back. Call while the process has a single thread; does nothing off Linux or after the first build.
    /// </summary>
    public static void HideSystemStore()
    {
        if (OperatingSystem.IsLinux() && Volatile.Read(ref s_started) == 0 && s_hidden is null)
        {
            s_hidden = SetTemporaryStore();
        }
    }

    /// <summary>
    /// Runs <paramref name="firstChainBuild"/>; if it is the process's first chain build, with the system store out of
    /// reach (later calls just run it). What it throws is the caller's to handle.
    /// </summary>
    public static void Run(Action firstChainBuild)
    {
        ArgumentNullException.ThrowIfNull(firstChainBuild);
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            firstChainBuild();
            return;
        }
        (string? File, string? Directory)? saved = s_hidden ?? (OperatingSystem.IsLinux() ? SetTemporaryStore() : null);
        s_hidden = null;
        try
        {
            firstChainBuild();
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

    private static (string? File, string? Directory) SetTemporaryStore()
    {
        // .NET's own copy of the environment (what Process.Start hands to children) is filled from libc's on
        // first enumeration: take it now so the temporary values below never reach it.
        _ = Environment.GetEnvironmentVariables();
        (string? File, string? Directory) saved = (Environment.GetEnvironmentVariable(FileVariable), Environment.GetEnvironmentVariable(DirectoryVariable));
        // Read by the native crypto shim with getenv: a path that is not a regular file, and no directories.
        _ = SetEnv(FileVariable, "/dev/null", 1);
        _ = SetEnv(DirectoryVariable, string.Empty, 1);
        return saved;
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
