using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// Makes, writes and reads private keys, certificates and requests in the PEM forms OpenSSL 3
/// and easy-rsa use: "PRIVATE KEY" / "ENCRYPTED PRIVATE KEY" (PKCS#8, PBES2 AES-256-CBC with
/// PBKDF2-HMAC-SHA256 as <c>openssl genpkey -aes256</c> writes), "CERTIFICATE",
/// "CERTIFICATE REQUEST", "X509 CRL".
/// </summary>
public static class KeyStore
{
    public const string OidRsa = "1.2.840.113549.1.1.1";
    public const string OidEc = "1.2.840.10045.2.1";
    public const string OidEd25519 = "1.3.101.112";
    public const string OidEd448 = "1.3.101.113";

    /// <summary>PBKDF2 iterations for encrypted keys (OpenSSL's own default is only 2048).</summary>
    private const int Pbkdf2Iterations = 100_000;

    public static AsymmetricAlgorithm Generate(KeyOptions options)
    {
        switch (options.Algorithm)
        {
            case KeyAlgorithm.Rsa:
                if (options.KeySize is < 2048 or > 16384 || options.KeySize % 8 != 0)
                {
                    throw new PkiException($"RSA key size {options.KeySize} is not allowed: use 2048, 3072 or 4096 bits.");
                }
                return RSA.Create(options.KeySize);
            case KeyAlgorithm.Ec:
                return ECDsa.Create(CurveByName(options.Curve ?? "secp384r1"));
            case KeyAlgorithm.Ed:
                return EdDsaKey.Generate(options.Curve ?? "ed25519");
            default:
                throw new PkiException($"Unknown key algorithm {options.Algorithm}.");
        }
    }

    public static ECCurve CurveByName(string name)
    {
        switch (name)
        {
            case "secp384r1" or "P-384" or "nistP384":
                return ECCurve.NamedCurves.nistP384;
            case "prime256v1" or "secp256r1" or "P-256" or "nistP256":
                return ECCurve.NamedCurves.nistP256;
            case "secp521r1" or "P-521" or "nistP521":
                return ECCurve.NamedCurves.nistP521;
            case "ed25519" or "ed448":
                throw new PkiException($"Curve {name} is an EdDSA curve: use it with --algo ed, not --algo ec.");
        }
        try
        {
            ECCurve curve = ECCurve.CreateFromFriendlyName(name);
            using ECDsa probe = ECDsa.Create(curve);
            return curve;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException or ArgumentException)
        {
            throw new PkiException($"Unknown or unsupported EC curve '{name}': use secp384r1, prime256v1 or secp521r1.", ex);
        }
    }

    /// <summary>PKCS#8 PEM, encrypted when a passphrase is given.</summary>
    public static string ExportPrivateKeyPem(AsymmetricAlgorithm key, string? passphrase)
    {
        if (passphrase is null)
        {
            return key.ExportPkcs8PrivateKeyPem() + "\n";
        }
        if (passphrase.Length < 4)
        {
            // OpenSSL's PEM passphrase prompt refuses fewer than 4 characters as well.
            throw new PkiException("The passphrase must be at least 4 characters long.");
        }
        var pbe = new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, Pbkdf2Iterations);
        return key.ExportEncryptedPkcs8PrivateKeyPem(passphrase.AsSpan(), pbe) + "\n";
    }

    public static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new PkiException($"The {what} {path} does not exist.", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new PkiException($"The {what} {path} does not exist.", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PkiException($"Cannot read the {what} {path}: {ex.Message}", ex);
        }
    }

    public static X509Certificate2 LoadCertificate(string path, string what = "certificate")
    {
        string pem = ReadFile(path, what);
        return ParseCertificate(pem, path, what);
    }

    public static X509Certificate2 ParseCertificate(string pem, string path, string what = "certificate")
    {
        if (!pem.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new PkiException($"The {what} {path} is not a PEM certificate (no 'BEGIN CERTIFICATE' line).");
        }
        try
        {
            return X509Certificate2.CreateFromPem(pem);
        }
        catch (CryptographicException ex)
        {
            throw new PkiException($"The {what} {path} is malformed or truncated.", ex);
        }
    }

    /// <summary>Reads a PKCS#10 request and checks its self-signature.</summary>
    public static CertificateRequest LoadRequest(string path, HashAlgorithmName hash)
    {
        string pem = ReadFile(path, "certificate request");
        if (!pem.Contains("-----BEGIN CERTIFICATE REQUEST-----", StringComparison.Ordinal)
            && !pem.Contains("-----BEGIN NEW CERTIFICATE REQUEST-----", StringComparison.Ordinal))
        {
            throw new PkiException($"The request {path} is not a PEM certificate request (no 'BEGIN CERTIFICATE REQUEST' line).");
        }
        if (pem.Contains("NEW CERTIFICATE REQUEST", StringComparison.Ordinal))
        {
            pem = pem.Replace("NEW CERTIFICATE REQUEST", "CERTIFICATE REQUEST", StringComparison.Ordinal);
        }
        try
        {
            if (EdDsaRequest.TryVerify(pem, path) is { } skipped)
            {
                // .NET cannot check an EdDSA self-signature, so EdDsaRequest just did.
                return CertificateRequest.LoadSigningRequestPem(pem, hash,
                    CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions | skipped, RSASignaturePadding.Pkcs1);
            }
            // Requested extensions are loaded only so that sign-req can copy a requested SAN,
            // as easy-rsa does; nothing else from the request reaches the certificate.
            return CertificateRequest.LoadSigningRequestPem(pem, hash,
                CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException ex)
        {
            throw new PkiException($"The request {path} is malformed, truncated or its signature does not verify.", ex);
        }
        catch (NotSupportedException ex)
        {
            throw new PkiException($"The request {path} uses a key algorithm that is not supported (RSA and ECDSA are).", ex);
        }
    }

    /// <summary>
    /// Loads the private key at <paramref name="path"/> for the public key of <paramref name="cert"/>
    /// (the certificate tells which algorithm to expect) and returns a copy of the certificate
    /// with the key attached. <paramref name="passphrase"/> is asked for only if the key is encrypted.
    /// </summary>
    public static X509Certificate2 LoadCertificateWithKey(X509Certificate2 cert, string path, Func<string, string?>? passphrase)
    {
        if (cert.GetKeyAlgorithm() is OidEd25519 or OidEd448)
        {
            throw new PkiException($"The certificate {cert.Subject} has an Ed25519/Ed448 key, which an X509Certificate2 cannot hold; use LoadSigner.");
        }
        AsymmetricAlgorithm key = LoadPrivateKey(path, cert.GetKeyAlgorithm(), passphrase);
        try
        {
            return key switch
            {
                RSA rsa => cert.CopyWithPrivateKey(rsa),
                ECDsa ec => cert.CopyWithPrivateKey(ec),
                _ => throw new PkiException($"Unsupported key type in {path}."),
            };
        }
        catch (ArgumentException ex)
        {
            throw new PkiException($"The private key {path} does not belong to the certificate {cert.Subject}.", ex);
        }
        finally
        {
            key.Dispose();
        }
    }

    /// <summary>
    /// A signature generator for the private key at <paramref name="path"/>, checked to belong to
    /// <paramref name="cert"/>: how a CA signs, whatever its key algorithm (RSA, ECDSA, EdDSA).
    /// </summary>
    public static X509SignatureGenerator LoadSigner(X509Certificate2 cert, string path, Func<string, string?>? passphrase)
    {
        string oid = cert.GetKeyAlgorithm();
        if (oid is not (OidEd25519 or OidEd448))
        {
            using X509Certificate2 withKey = LoadCertificateWithKey(cert, path, passphrase);
            // The generators keep the key; the certificate copy holding it can go.
            return CertificateAuthority.SignatureGenerator(
                (AsymmetricAlgorithm?)withKey.GetRSAPrivateKey() ?? withKey.GetECDsaPrivateKey()
                ?? throw new PkiException($"The private key {path} is neither RSA nor ECDSA."));
        }
        var key = (EdDsaKey)LoadPrivateKey(path, oid, passphrase);
        if (!key.PublicKeyBytes.AsSpan().SequenceEqual(cert.PublicKey.EncodedKeyValue.RawData))
        {
            key.Dispose();
            throw new PkiException($"The private key {path} does not belong to the certificate {cert.Subject}.");
        }
        return new EdDsaSignatureGenerator(key);
    }

    public static AsymmetricAlgorithm LoadPrivateKey(string path, string algorithmOid, Func<string, string?>? passphrase)
    {
        string pem = ReadFile(path, "private key");
        if (pem.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal))
        {
            throw new PkiException($"The private key {path} is encrypted in OpenSSL's legacy PEM format, which is not supported; convert it with 'openssl pkey -in {path} -aes256 -out NEW.key'.");
        }
        bool encrypted = pem.Contains("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal);
        if (!encrypted && !pem.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new PkiException($"The private key {path} is not a PEM private key (no 'BEGIN ... PRIVATE KEY' line).");
        }
        if (!PemEncoding.TryFind(pem, out _))
        {
            throw new PkiException($"The private key {path} is truncated or malformed (no complete PEM block).");
        }

        if (algorithmOid is OidEd25519 or OidEd448)
        {
            return LoadEdDsaKey(pem, path, encrypted, passphrase);
        }

        AsymmetricAlgorithm key = algorithmOid switch
        {
            OidRsa => RSA.Create(),
            OidEc => ECDsa.Create(),
            _ => throw new PkiException($"The key {path} uses algorithm {algorithmOid}, which is not supported (RSA and ECDSA are)."),
        };
        try
        {
            if (encrypted)
            {
                string? pass = passphrase?.Invoke(path)
                    ?? throw new PkiException($"The private key {path} is encrypted: give its passphrase with --passin (pass:, file:, env:) or run interactively.");
                key.ImportFromEncryptedPem(pem, pass);
            }
            else
            {
                key.ImportFromPem(pem);
            }
            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            // The inner "password may be incorrect" text adds nothing to this sentence.
            throw encrypted
                ? new PkiException($"Wrong passphrase for the private key {path} (or the key is corrupt).")
                : new PkiException($"The private key {path} is malformed, truncated or not a {(algorithmOid == OidRsa ? "RSA" : "EC")} key.", ex);
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new PkiException($"The private key {path} is malformed, truncated or not a {(algorithmOid == OidRsa ? "RSA" : "EC")} key.", ex);
        }
    }

    private static EdDsaKey LoadEdDsaKey(string pem, string path, bool encrypted, Func<string, string?>? passphrase)
    {
        string label = encrypted ? "ENCRYPTED PRIVATE KEY" : "PRIVATE KEY";
        byte[] der;
        try
        {
            ReadOnlySpan<char> block = pem.AsSpan(pem.IndexOf($"-----BEGIN {label}-----", StringComparison.Ordinal));
            PemFields f = PemEncoding.Find(block);
            der = Convert.FromBase64String(block[f.Base64Data].ToString());
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException)
        {
            throw new PkiException($"The private key {path} is not a PKCS#8 '{label}' PEM block, as Ed25519/Ed448 keys must be.", ex);
        }
        string? pass = null;
        if (encrypted)
        {
            pass = passphrase?.Invoke(path)
                ?? throw new PkiException($"The private key {path} is encrypted: give its passphrase with --passin (pass:, file:, env:) or run interactively.");
        }
        return EdDsaKey.FromPkcs8(der, pass, path);
    }

    public static string ToPem(X509Certificate2 cert) => cert.ExportCertificatePem() + "\n";
}
