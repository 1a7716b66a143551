using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace SharpVpn.Tls;

/// <summary>
/// Loads and initialises OpenSSL on a thread of its own. The first cryptographic call of a .NET process loads
/// libssl/libcrypto, binds the runtime's shim to them and runs OpenSSL's initialisation (config file included):
/// about 2.5 ms of a client's start, all of it before its first packet (the tls-crypt key of the reset needs it).
/// Started at the very beginning of <c>sharpvpn client|server</c>, it overlaps argument and config parsing and the
/// socket set-up; whoever needs OpenSSL first then waits only for the rest of it.
/// </summary>
/// <remarks>
/// A plain pthread, not a <see cref="Thread"/>: <see cref="Thread.Start()"/> spins until the new thread runs, which
/// on a busy 2-core machine cost the caller 0.5-1 ms, more than the overlap gains. The runtime attaches the thread
/// when it enters <see cref="Run"/>.
/// </remarks>
public static partial class OpenSslWarmup
{
    private static int s_started;

    /// <summary>Starts the warm-up once per process (Linux; elsewhere, or if no thread can be created, does nothing).</summary>
    public static unsafe void Start()
    {
        if (!OperatingSystem.IsLinux() || Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }
        if (PthreadCreate(out nint thread, 0, &Run, 0) == 0)
        {
            _ = PthreadDetach(thread);
        }
    }

    [UnmanagedCallersOnly]
    private static nint Run(nint argument)
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
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "pthread_create")]
    private static unsafe partial int PthreadCreate(out nint thread, nint attributes, delegate* unmanaged<nint, nint> start, nint argument);

    [LibraryImport("libc", EntryPoint = "pthread_detach")]
    private static partial int PthreadDetach(nint thread);
}
