using System.Runtime.InteropServices;

namespace SharpVpn.Platform.Interop;

/// <summary>
/// The text of the OpenSSL library .NET uses here ("OpenSSL 3.0.19 27 Jan 2026"), as OpenVPN reports it in its
/// IV_SSL peer info; null when libcrypto cannot be asked.
/// </summary>
public static partial class OpenSslVersion
{
    private const int OpenSslVersionText = 0; // OPENSSL_VERSION

    public static string? Text
    {
        get
        {
            try
            {
                return Marshal.PtrToStringUTF8(OpenSslVersionNative(OpenSslVersionText));
            }
            catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
            {
                return null;
            }
        }
    }

    [LibraryImport("libcrypto.so.3", EntryPoint = "OpenSSL_version")]
    private static partial IntPtr OpenSslVersionNative(int type);
}
