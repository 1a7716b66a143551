using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace SharpVpn.Tls;

/// <summary>
/// Reads a PEM private key with libcrypto's own reader (<c>PEM_read_bio_PrivateKey</c>, as openvpn loads its key) into
/// an EVP_PKEY that .NET then holds (<see cref="ECDsaOpenSsl"/> / <see cref="RSAOpenSsl"/>). .NET's
/// <c>ImportFromPem</c> decodes the key in managed code and rebuilds it in OpenSSL with a full key check (for an EC key
/// two scalar multiplications), and <c>CopyWithPrivateKey</c> then converts that key once more: for easy-rsa's P-384
/// key ~3.5 ms of CPU on the benchmark VM, on a client's way to its ClientHello, against ~0.5 ms here (issue 7). The
/// certificate/key match is still checked by <c>CopyWithPrivateKey</c> (it compares the public keys, as OpenSSL's
/// <c>SSL_CTX_check_private_key</c> does for openvpn). Anything this reader cannot do (libcrypto 3 missing, an
/// unreadable key, a wrong passphrase, another key type) gives null, and the caller imports the key with .NET, whose
/// error messages then say what is wrong.
/// </summary>
internal static unsafe class OpenSslKeyReader
{
    private const int EvpPkeyRsa = 6;    // EVP_PKEY_RSA (NID_rsaEncryption)
    private const int EvpPkeyEc = 408;   // EVP_PKEY_EC (NID_X9_62_id_ecPublicKey)

    private static readonly delegate* unmanaged<byte*, int, IntPtr> s_bioNewMemBuf;
    private static readonly delegate* unmanaged<IntPtr, int> s_bioFree;
    private static readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, IntPtr> s_pemReadPrivateKey;
    private static readonly delegate* unmanaged<IntPtr, int> s_pkeyBaseId;
    private static readonly delegate* unmanaged<IntPtr, void> s_pkeyFree;
    private static readonly delegate* unmanaged<void> s_errClear;

    static OpenSslKeyReader()
    {
        if (!OperatingSystem.IsLinux() || !NativeLibrary.TryLoad("libcrypto.so.3", out IntPtr lib))
        {
            return;
        }

        try
        {
            s_bioNewMemBuf = (delegate* unmanaged<byte*, int, IntPtr>)NativeLibrary.GetExport(lib, "BIO_new_mem_buf");
            s_bioFree = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(lib, "BIO_free");
            s_pemReadPrivateKey = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, IntPtr>)NativeLibrary.GetExport(lib, "PEM_read_bio_PrivateKey");
            s_pkeyBaseId = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(lib, "EVP_PKEY_get_base_id");
            s_pkeyFree = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(lib, "EVP_PKEY_free");
            s_errClear = (delegate* unmanaged<void>)NativeLibrary.GetExport(lib, "ERR_clear_error");
            IsAvailable = true;
        }
        catch (EntryPointNotFoundException)
        {
            IsAvailable = false;
        }
    }

    /// <summary>True where libcrypto 3 is loadable (Linux).</summary>
    public static bool IsAvailable { get; }

    /// <summary>The EC key of <paramref name="pem"/> (null: not read, see the class).</summary>
    public static ECDsa? TryReadEcdsa(string pem, string? passphrase) =>
        TryRead(pem, passphrase, EvpPkeyEc) is { } handle ? Wrap(handle, static h => OperatingSystem.IsLinux() ? new ECDsaOpenSsl(h) : null) : null;

    /// <summary>The RSA key of <paramref name="pem"/> (null: not read, see the class).</summary>
    public static RSA? TryReadRsa(string pem, string? passphrase) =>
        TryRead(pem, passphrase, EvpPkeyRsa) is { } handle ? Wrap(handle, static h => OperatingSystem.IsLinux() ? new RSAOpenSsl(h) : null) : null;

    // The algorithm object takes its own reference to the EVP_PKEY; ours is released here.
    private static T? Wrap<T>(SafeEvpPKeyHandle handle, Func<SafeEvpPKeyHandle, T?> create) where T : class
    {
        using (handle)
        {
            try
            {
                return create(handle);
            }
            catch (CryptographicException)
            {
                return null;
            }
        }
    }

    private static SafeEvpPKeyHandle? TryRead(string pem, string? passphrase, int expectedType)
    {
        if (!IsAvailable || !OperatingSystem.IsLinux())
        {
            return null;
        }

        byte[] text = Encoding.ASCII.GetBytes(pem);
        // Always a passphrase (NUL-terminated), empty without one: given none, OpenSSL would prompt on the terminal
        // for a key that is encrypted (a legacy "Proc-Type: 4,ENCRYPTED" PEM is not recognised as such beforehand).
        passphrase ??= string.Empty;
        byte[] secret = new byte[Encoding.UTF8.GetByteCount(passphrase) + 1];
        try
        {
            Encoding.UTF8.GetBytes(passphrase, secret);
            fixed (byte* t = text)
            fixed (byte* s = secret)
            {
                IntPtr bio = s_bioNewMemBuf(t, text.Length);
                if (bio == IntPtr.Zero)
                {
                    return null;
                }

                // No callback: OpenSSL takes the last argument as the passphrase.
                IntPtr key = s_pemReadPrivateKey(bio, IntPtr.Zero, IntPtr.Zero, s);
                _ = s_bioFree(bio);
                if (key == IntPtr.Zero)
                {
                    return null;
                }

                if (s_pkeyBaseId(key) != expectedType)
                {
                    s_pkeyFree(key);
                    return null;
                }

                return new SafeEvpPKeyHandle(key, ownsHandle: true);
            }
        }
        finally
        {
            // A reader that tried several decoders leaves errors in this thread's queue even when it succeeds; .NET's
            // next OpenSSL call on this thread must not find them.
            s_errClear();
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
