using System.Runtime.InteropServices;

namespace SharpVpn.DataChannel;

/// <summary>
/// Direct access to the system libcrypto's EVP AEAD interface (the same library .NET's own
/// crypto uses on Linux). One EVP_CIPHER_CTX per key and direction is initialised with the key
/// once; each packet only sets the nonce. Compared with System.Security.Cryptography.AesGcm this
/// halves the CPU per 1420-byte packet (no per-call re-initialisation) and reports a bad tag as a
/// return value instead of an exception. Falls back to the managed classes when libcrypto 3 is
/// not loadable (<see cref="IsAvailable"/>).
/// </summary>
internal static unsafe class OpenSslAead
{
    public const int CtrlAeadSetTag = 0x11;  // EVP_CTRL_AEAD_SET_TAG
    public const int CtrlAeadGetTag = 0x10;  // EVP_CTRL_AEAD_GET_TAG

    private static readonly delegate* unmanaged<IntPtr> s_ctxNew;
    private static readonly delegate* unmanaged<IntPtr, void> s_ctxFree;
    private static readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, byte*, int, int> s_cipherInit;
    private static readonly delegate* unmanaged<IntPtr, byte*, int*, byte*, int, int> s_cipherUpdate;
    private static readonly delegate* unmanaged<IntPtr, byte*, int*, int> s_cipherFinal;
    private static readonly delegate* unmanaged<IntPtr, int, int, byte*, int> s_ctrl;
    private static readonly delegate* unmanaged<void> s_errClear;
    private static readonly IntPtr s_aes128Gcm;
    private static readonly IntPtr s_aes192Gcm;
    private static readonly IntPtr s_aes256Gcm;
    private static readonly IntPtr s_chacha20Poly1305;

    static OpenSslAead()
    {
        if (Environment.GetEnvironmentVariable("SHARPVPN_MANAGED_AEAD") == "1"
            || !OperatingSystem.IsLinux()
            || !NativeLibrary.TryLoad("libcrypto.so.3", out IntPtr lib))
        {
            return;
        }

        try
        {
            s_ctxNew = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "EVP_CIPHER_CTX_new");
            s_ctxFree = (delegate* unmanaged<IntPtr, void>)NativeLibrary.GetExport(lib, "EVP_CIPHER_CTX_free");
            s_cipherInit = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, byte*, byte*, int, int>)NativeLibrary.GetExport(lib, "EVP_CipherInit_ex");
            s_cipherUpdate = (delegate* unmanaged<IntPtr, byte*, int*, byte*, int, int>)NativeLibrary.GetExport(lib, "EVP_CipherUpdate");
            s_cipherFinal = (delegate* unmanaged<IntPtr, byte*, int*, int>)NativeLibrary.GetExport(lib, "EVP_CipherFinal_ex");
            s_ctrl = (delegate* unmanaged<IntPtr, int, int, byte*, int>)NativeLibrary.GetExport(lib, "EVP_CIPHER_CTX_ctrl");
            s_errClear = (delegate* unmanaged<void>)NativeLibrary.GetExport(lib, "ERR_clear_error");
            s_aes128Gcm = ((delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "EVP_aes_128_gcm"))();
            s_aes192Gcm = ((delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "EVP_aes_192_gcm"))();
            s_aes256Gcm = ((delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "EVP_aes_256_gcm"))();
            s_chacha20Poly1305 = ((delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "EVP_chacha20_poly1305"))();
            IsAvailable = s_aes256Gcm != IntPtr.Zero && s_chacha20Poly1305 != IntPtr.Zero;
        }
        catch (EntryPointNotFoundException)
        {
            IsAvailable = false;
        }
    }

    /// <summary>True when libcrypto 3 was loaded (and SHARPVPN_MANAGED_AEAD is not "1").</summary>
    public static bool IsAvailable { get; }

    /// <summary>Creates a context keyed for one direction; null when the native path is unavailable.</summary>
    public static Context? TryCreate(DataCipherSuite suite, ReadOnlySpan<byte> key, bool encrypt)
    {
        if (!IsAvailable)
        {
            return null;
        }

        IntPtr cipher = suite.Kind == DataCipherKind.ChaCha20Poly1305
            ? s_chacha20Poly1305
            : suite.CipherKeyLength switch { 16 => s_aes128Gcm, 24 => s_aes192Gcm, _ => s_aes256Gcm };
        IntPtr ctx = s_ctxNew();
        if (ctx == IntPtr.Zero)
        {
            return null;
        }

        fixed (byte* k = key)
        {
            // Default IV length is 12 for both GCM and ChaCha20-Poly1305, as OpenVPN uses.
            if (s_cipherInit(ctx, cipher, IntPtr.Zero, k, null, encrypt ? 1 : 0) != 1)
            {
                s_ctxFree(ctx);
                s_errClear();
                return null;
            }
        }

        return new Context(ctx);
    }

    /// <summary>One keyed EVP_CIPHER_CTX (not thread-safe: one user at a time).</summary>
    internal sealed class Context : SafeHandle
    {
        public Context(IntPtr ctx)
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(ctx);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        /// <summary>Seal: ciphertext (same length as plaintext) and 16-byte tag. Plaintext may be the same span as ciphertext.</summary>
        public bool Seal(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
        {
            // libcrypto handles exact in-place but silently corrupts partial overlap (the managed classes throw).
            if (plaintext.Overlaps(ciphertext, out int shift) && shift != 0)
            {
                ThrowHelper.PartialOverlap();
            }

            // The ref count keeps the context alive if the key is disposed while a packet is in flight
            // (renegotiation retiring a key); afterwards DangerousAddRef throws ObjectDisposedException.
            bool added = false;
            DangerousAddRef(ref added);
            try
            {
                return SealCore(nonce, aad, plaintext, ciphertext, tag);
            }
            finally
            {
                DangerousRelease();
            }
        }

        private bool SealCore(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext, Span<byte> ciphertext, Span<byte> tag)
        {
            IntPtr ctx = handle;
            fixed (byte* n = nonce)
            fixed (byte* a = aad)
            fixed (byte* p = plaintext)
            fixed (byte* c = ciphertext)
            fixed (byte* t = tag)
            {
                int outl;
                int fin;
                bool ok = s_cipherInit(ctx, IntPtr.Zero, IntPtr.Zero, null, n, -1) == 1
                    && s_cipherUpdate(ctx, null, &outl, a, aad.Length) == 1
                    && (plaintext.Length == 0 || s_cipherUpdate(ctx, c, &outl, p, plaintext.Length) == 1)
                    && s_cipherFinal(ctx, c + plaintext.Length, &fin) == 1
                    && s_ctrl(ctx, CtrlAeadGetTag, tag.Length, t) == 1;
                if (!ok)
                {
                    s_errClear();
                }

                return ok;
            }
        }

        /// <summary>Open: false (and the destination zeroed) when the tag does not verify.</summary>
        public bool Open(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
        {
            if (ciphertext.Overlaps(plaintext, out int shift) && shift != 0)
            {
                ThrowHelper.PartialOverlap();
            }

            bool added = false;
            DangerousAddRef(ref added);
            try
            {
                return OpenCore(nonce, aad, ciphertext, tag, plaintext);
            }
            finally
            {
                DangerousRelease();
            }
        }

        private bool OpenCore(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext, ReadOnlySpan<byte> tag, Span<byte> plaintext)
        {
            IntPtr ctx = handle;
            bool ok;
            fixed (byte* n = nonce)
            fixed (byte* a = aad)
            fixed (byte* c = ciphertext)
            fixed (byte* t = tag)
            fixed (byte* p = plaintext)
            {
                int outl;
                int fin;
                ok = s_cipherInit(ctx, IntPtr.Zero, IntPtr.Zero, null, n, -1) == 1
                    && s_cipherUpdate(ctx, null, &outl, a, aad.Length) == 1
                    && s_cipherUpdate(ctx, p, &outl, c, ciphertext.Length) == 1
                    && s_ctrl(ctx, CtrlAeadSetTag, tag.Length, t) == 1
                    && s_cipherFinal(ctx, p + ciphertext.Length, &fin) > 0;
            }

            if (!ok)
            {
                // Never hand out unauthenticated plaintext.
                plaintext[..ciphertext.Length].Clear();
                s_errClear();
            }

            return ok;
        }

        protected override bool ReleaseHandle()
        {
            s_ctxFree(handle);
            return true;
        }
    }
}
