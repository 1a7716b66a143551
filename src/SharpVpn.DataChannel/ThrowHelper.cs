using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace SharpVpn.DataChannel;

// Throws live here so the hot methods stay small enough to inline and carry no string building.
internal static class ThrowHelper
{
    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void DestinationTooSmall(int needed, int actual) =>
        throw new ArgumentException($"Destination buffer too small: needs {needed} bytes, has {actual}.", "destination");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void PeerIdOutOfRange(int peerId) =>
        throw new ArgumentOutOfRangeException(nameof(peerId), peerId, "peer-id must be -1 (P_DATA_V1) or 0..0xFFFFFF (P_DATA_V2).");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ArgumentOutOfRange(string name, object value, string message) =>
        throw new ArgumentOutOfRangeException(name, value, message);

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void CryptoFailure() =>
        throw new System.Security.Cryptography.CryptographicException("libcrypto AEAD encryption failed.");

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void PartialOverlap() =>
        throw new ArgumentException("Plaintext and ciphertext buffers must be the same span or not overlap at all.");
}
