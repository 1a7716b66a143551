using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography;

namespace SharpVpn.Pki;

/// <summary>
/// Diffie-Hellman parameters for OpenVPN's <c>dh</c> directive, as PKCS#3 PEM:
/// <code>
///   -----BEGIN DH PARAMETERS-----
///   DHParameter ::= SEQUENCE { prime INTEGER, base INTEGER, privateValueLength INTEGER OPTIONAL }   (PKCS #3 §9)
/// </code>
/// </summary>
public static class DhParameters
{
    /// <summary>
    /// RFC 7919 Appendix A.1 ffdhe2048 (p = 2^2048 - 2^1984 + (floor(2^1918 * e) + 560316) * 2^64 - 1, g = 2),
    /// byte-for-byte what <c>openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048</c> writes.
    /// A published, audited safe prime: no reason to spend minutes generating one.
    /// </summary>
    public const string Ffdhe2048Pem =
        "-----BEGIN DH PARAMETERS-----\n" +
        "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n" +
        "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n" +
        "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n" +
        "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n" +
        "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n" +
        "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n" +
        "-----END DH PARAMETERS-----\n";

    public static string ToPem(BigInteger p, BigInteger g)
    {
        var w = new AsnWriter(AsnEncodingRules.DER);
        using (w.PushSequence())
        {
            w.WriteInteger(p);
            w.WriteInteger(g);
        }
        return PemEncoding.WriteString("DH PARAMETERS", w.Encode()) + "\n";
    }

    /// <summary>Reads p and g back from PKCS#3 PEM (used by tests and to check a file before use).</summary>
    public static (BigInteger P, BigInteger G) Parse(string pem, string path)
    {
        try
        {
            PemFields f = PemEncoding.Find(pem);
            if (pem[f.Label] != "DH PARAMETERS")
            {
                throw new PkiException($"{path} is not a PEM 'DH PARAMETERS' file.");
            }
            var reader = new AsnReader(Convert.FromBase64String(pem[f.Base64Data]), AsnEncodingRules.DER);
            AsnReader seq = reader.ReadSequence();
            return (seq.ReadInteger(), seq.ReadInteger());
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or AsnContentException)
        {
            throw new PkiException($"The DH parameters file {path} is malformed or truncated.", ex);
        }
    }

    /// <summary>
    /// A fresh safe prime p = 2q+1 of <paramref name="bits"/> bits with g = 2. p ≡ 23 (mod 24), so
    /// 2 is a quadratic residue and generates the subgroup of prime order q (the choice OpenSSL 3
    /// makes for generator 2). <paramref name="progress"/> gets '.' per candidate that passed the
    /// sieve, '+' when q is prime and '*' when p is too.
    /// </summary>
    public static string Generate(int bits, Action<char>? progress = null, CancellationToken cancellationToken = default)
    {
        BigInteger p = SafePrime.Generate(bits, progress, cancellationToken);
        return ToPem(p, 2);
    }
}
