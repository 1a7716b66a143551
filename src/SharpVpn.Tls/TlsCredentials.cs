using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Tls;

/// <summary>Loads the PEM material of OpenVPN's <c>ca</c>, <c>cert</c> and <c>key</c> options (files or inline blocks).</summary>
public static class TlsCredentials
{
    /// <summary>
    /// Our certificate (first CERTIFICATE block of <paramref name="certificatePem"/>) with its private key
    /// (PKCS#8, PKCS#1 RSA or SEC1 EC; "ENCRYPTED PRIVATE KEY" needs <paramref name="passphrase"/>).
    /// Further CERTIFICATE blocks in the cert text are returned as <paramref name="chain"/>.
    /// </summary>
    public static X509Certificate2 LoadCertificate(string certificatePem, string keyPem, string? passphrase,
        string source, out X509Certificate2Collection chain)
    {
        X509Certificate2Collection all = LoadCertificates(certificatePem, source);
        chain = new X509Certificate2Collection();
        for (int i = 1; i < all.Count; i++)
        {
            chain.Add(all[i]);
        }
        X509Certificate2 leaf = all[0];
        // .NET cannot hold an EdDSA private key, so say that instead of "the key does not match".
        string? keyAlgorithm = leaf.PublicKey.Oid.Value;
        if (keyAlgorithm is "1.3.101.112" or "1.3.101.113")
        {
            throw new FormatException($"{source}: Ed25519/Ed448 private keys are not supported by SharpVPN's TLS engine " +
                "(Ed25519 CAs and peers are); issue this certificate with --algo ec or rsa.");
        }
        bool encrypted = keyPem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        try
        {
            if (encrypted && passphrase is null)
            {
                throw new FormatException($"{source}: the private key is encrypted and no passphrase was given (askpass).");
            }
            return WithPrivateKey(leaf, keyAlgorithm, keyPem, encrypted ? passphrase : null);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // ArgumentException: a readable key of another pair ("does not match the public key for this certificate").
            string why = encrypted ? "wrong passphrase or unreadable key" : "the key does not match the certificate or is not a supported PEM key";
            throw new FormatException($"{source}: cannot load the private key ({why}: {ex.Message}).", ex);
        }
    }

    /// <summary>
    /// The parsed certificate with its key, as X509Certificate2.CreateFromPem makes it (key import, then
    /// CopyWithPrivateKey, which checks the pair) without parsing the certificate a second time, and with the key
    /// read by libcrypto where it can (<see cref="OpenSslKeyReader"/>): the client loads its credentials while its
    /// first packets are in flight (issue 7).
    /// </summary>
    private static X509Certificate2 WithPrivateKey(X509Certificate2 leaf, string? keyAlgorithm, string keyPem, string? passphrase)
    {
        switch (keyAlgorithm)
        {
            case RsaKeyOid:
                using (RSA rsa = OpenSslKeyReader.TryReadRsa(keyPem, passphrase) ?? Imported(RSA.Create(), keyPem, passphrase))
                {
                    return leaf.CopyWithPrivateKey(rsa);
                }
            case EcKeyOid:
                using (ECDsa ecdsa = (ReadsKeyWithLibcrypto(leaf) ? OpenSslKeyReader.TryReadEcdsa(keyPem, passphrase) : null)
                    ?? Imported(ECDsa.Create(), keyPem, passphrase))
                {
                    return leaf.CopyWithPrivateKey(ecdsa);
                }
            default:
                string leafPem = leaf.ExportCertificatePem();
                return passphrase is null
                    ? X509Certificate2.CreateFromPem(leafPem, keyPem)
                    : X509Certificate2.CreateFromEncryptedPem(leafPem, keyPem, passphrase);
        }

        // .NET's own import: where libcrypto's reader is not there or did not read the key (its errors say why).
        static T Imported<T>(T key, string pem, string? password) where T : AsymmetricAlgorithm
        {
            try
            {
                if (password is null)
                {
                    key.ImportFromPem(pem);
                }
                else
                {
                    key.ImportFromEncryptedPem(pem, password);
                }

                return key;
            }
            catch
            {
                key.Dispose();
                throw;
            }
        }
    }

    /// <summary>
    /// Whether the key of this certificate loads faster through libcrypto's reader (~0.4-0.5 ms, whatever the key)
    /// than through .NET's import. Measured on the benchmark VM (import + CopyWithPrivateKey): P-384 3.3-4 ms against
    /// 0.45, RSA-2048 1.8-2.1 against 0.8-1; only P-256, whose key check runs on OpenSSL's optimised curve code, is
    /// quicker in .NET (0.3 against 0.45 ms).
    /// </summary>
    internal static bool ReadsKeyWithLibcrypto(X509Certificate2 leaf) =>
        leaf.PublicKey.Oid.Value != EcKeyOid || !(leaf.PublicKey.EncodedParameters?.RawData ?? []).AsSpan().SequenceEqual(P256CurveOid);

    // DER of the named-curve OID 1.2.840.10045.3.1.7 (prime256v1), the EC public key's parameters.
    private static ReadOnlySpan<byte> P256CurveOid => [0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];

    private const string RsaKeyOid = "1.2.840.113549.1.1.1";
    private const string EcKeyOid = "1.2.840.10045.2.1";

    /// <summary>All CERTIFICATE blocks of a PEM text (a <c>ca</c> bundle or a chain); text around blocks is ignored.</summary>
    public static X509Certificate2Collection LoadCertificates(string pem, string source)
    {
        var result = new X509Certificate2Collection();
        ReadOnlySpan<char> rest = pem;
        while (PemEncoding.TryFind(rest, out PemFields fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    byte[] der = Convert.FromBase64String(rest[fields.Base64Data].ToString());
                    result.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (CryptographicException ex)
                {
                    throw new FormatException($"{source}: certificate block {result.Count + 1} is not a valid X.509 certificate ({ex.Message}).", ex);
                }
            }
            rest = rest[fields.Location.End.Value..];
        }
        if (result.Count == 0)
        {
            throw new FormatException($"{source}: no '-----BEGIN CERTIFICATE-----' block found.");
        }
        return result;
    }
}
