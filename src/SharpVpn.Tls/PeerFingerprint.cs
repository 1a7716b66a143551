using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>
/// <c>peer-fingerprint</c>'s check of the peer's own certificate (depth 0): the SHA-256 of its DER must equal one of the
/// listed digests (src/openvpn/ssl_verify.c <c>verify_cert</c>, compared in constant time as there).
/// </summary>
internal static class PeerFingerprint
{
    /// <summary>Null when <paramref name="peer"/> matches one of <paramref name="accepted"/>; else the rest of a sentence naming its fingerprint.</summary>
    public static string? Check(X509Certificate2 peer, IReadOnlyList<byte[]> accepted)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(accepted);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(peer.RawDataMemory.Span, digest);
        foreach (byte[] candidate in accepted)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, candidate))
            {
                return null;
            }
        }

        // OpenVPN's words, so a log search for them finds ours too.
        return $"is not listed in peer-fingerprint: certificate hash verification failed. (got certificate fingerprint: {Format(digest)})";
    }

    /// <summary>"ad:b0:95:..." as OpenVPN logs a fingerprint (format_hex_ex with ':' and lower case).</summary>
    public static string Format(ReadOnlySpan<byte> digest) =>
        string.Join(':', digest.ToArray().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
}
