using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// An easy-rsa 3.1 compatible certificate authority over one PKI directory. Every method either
/// completes or leaves the directory as it was (see <see cref="PkiTransaction"/>), never
/// overwrites an existing CA, key or certificate unless asked to (<c>force</c>), and throws
/// <see cref="PkiException"/> with a one-sentence message naming the file at fault.
/// <para>Typical use:
/// <code>
///   var ca = CertificateAuthority.InitPki("pki");
///   ca.BuildCa(new CaOptions { CommonName = "Acme VPN CA" });
///   ca.BuildServerFull("server");
///   ca.BuildClientFull("client1", new KeyOptions { Algorithm = KeyAlgorithm.Ec, Passphrase = "secret" });
///   ca.Revoke("client1"); ca.GenCrl(); ca.GenDh();
/// </code></para>
/// </summary>
public sealed partial class CertificateAuthority
{
    private CaSigner? _caSigner;

    private CertificateAuthority(string pkiDir, PkiSettings settings)
    {
        Paths = new PkiPaths(pkiDir);
        Settings = settings;
    }

    public PkiPaths Paths { get; }

    /// <summary>Defaults (DN fields, algorithm, validity periods); usually from a vars file.</summary>
    public PkiSettings Settings { get; set; }

    /// <summary>Passphrase of private/ca.key when it is encrypted (--passin).</summary>
    public string? CaPassphrase { get; set; }

    /// <summary>
    /// Asked for a passphrase (argument: the key file) when a key is encrypted and
    /// <see cref="CaPassphrase"/> is not set; the CLI prompts on the terminal. Null: fail instead.
    /// </summary>
    public Func<string, string?>? PassphrasePrompt { get; set; }

    /// <summary>
    /// Flush every command's files to disk before they replace the old ones (default). Turning it
    /// off keeps each file write atomic but trades crash durability for speed: for scratch PKIs
    /// (tests, demos) and bulk issuing.
    /// </summary>
    public bool DurableWrites { get; set; } = true;

    private PkiTransaction NewTransaction() => new() { Durable = DurableWrites };

    /// <summary>Clock for validity periods and expiry checks; tests may substitute one.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public string CaCertPath => Paths.CaCert;
    public string CaKeyPath => Paths.CaKey;
    public string CrlPath => Paths.Crl;
    public string DhPath => Paths.Dh;
    public string CertPath(string name) => Paths.IssuedCert(name);
    public string KeyPath(string name) => Paths.PrivateKey(name);
    public string RequestPath(string name) => Paths.Request(name);

    /// <summary>True once build-ca has run (ca.crt, ca.key and index.txt exist).</summary>
    public bool HasCa => File.Exists(Paths.CaCert) && File.Exists(Paths.CaKey) && File.Exists(Paths.Index);

    /// <summary>
    /// Creates an empty PKI (private/ and reqs/, as easy-rsa init-pki). An existing directory
    /// is an error unless <paramref name="force"/>, which removes it first, as easy-rsa's
    /// "hard" reset does.
    /// </summary>
    public static CertificateAuthority InitPki(string pkiDir, bool force = false, PkiSettings? settings = null)
    {
        var ca = new CertificateAuthority(pkiDir, settings ?? new PkiSettings());
        string root = ca.Paths.Root;
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (!force)
            {
                throw new PkiException($"The PKI directory {root} already exists and is not empty; use --force to delete it and start over.");
            }
            // Move aside first so that a failed delete cannot leave half a PKI behind.
            string trash = root.TrimEnd(Path.DirectorySeparatorChar) + $".old-{Guid.NewGuid():N}";
            Directory.Move(root, trash);
            Directory.Delete(trash, recursive: true);
        }
        var tx = new PkiTransaction();
        tx.CreateDirectory(root);
        tx.CreateDirectory(ca.Paths.PrivateDir, secret: true);
        tx.CreateDirectory(ca.Paths.ReqsDir);
        tx.WriteText(Path.Combine(root, EasyRsaFiles.ConfigFileName), EasyRsaFiles.OpenSslConfig());
        tx.Commit();
        return ca;
    }

    /// <summary>Opens an existing PKI made by init-pki (ours or easy-rsa's).</summary>
    public static CertificateAuthority Open(string pkiDir, PkiSettings? settings = null)
    {
        var ca = new CertificateAuthority(pkiDir, settings ?? new PkiSettings());
        if (!Directory.Exists(ca.Paths.Root))
        {
            throw new PkiException($"The PKI directory {ca.Paths.Root} does not exist; run 'sharpvpn pki init-pki' first.");
        }
        foreach (string dir in new[] { ca.Paths.PrivateDir, ca.Paths.ReqsDir })
        {
            if (!Directory.Exists(dir))
            {
                throw new PkiException($"The PKI directory {ca.Paths.Root} has no {Path.GetFileName(dir)}/ folder; is it a PKI made by init-pki?");
            }
        }
        return ca;
    }

    /// <summary>Builds the CA key and self-signed certificate and the empty CA database.</summary>
    public X509Certificate2 BuildCa(CaOptions? options = null)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        options ??= new CaOptions();
        if (!options.Force && (File.Exists(Paths.CaCert) || File.Exists(Paths.CaKey)))
        {
            throw new PkiException($"A CA already exists in {Paths.Root} ({(File.Exists(Paths.CaCert) ? Paths.CaCert : Paths.CaKey)}); use --force to replace it, which invalidates every certificate it issued.");
        }
        KeyOptions keyOptions = options.Key ?? Settings.KeyOptions();
        using AsymmetricAlgorithm key = KeyStore.Generate(keyOptions);
        string cn = options.CommonName;
        X500DistinguishedName subject = BuildSubject(cn);
        HashAlgorithmName hash = Hash;
        CertificateRequest req = NewRequest(subject, key, hash);
        byte[] serial = NewSerial([]);
        CertificateProfiles.AddCaExtensions(req, req.PublicKey, subject, serial);
        DateTimeOffset now = Now;
        int days = options.Days ?? Settings.CaDays;
        X509Certificate2 cert = req.Create(subject, SignatureGenerator(key), now, now.AddDays(days), serial);

        var tx = NewTransaction();
        tx.CreateDirectory(Paths.PrivateDir, secret: true);
        foreach (string dir in Paths.CaDirectories)
        {
            tx.CreateDirectory(dir);
        }
        tx.WriteText(Paths.CaKey, KeyStore.ExportPrivateKeyPem(key, keyOptions.Passphrase), secret: true);
        tx.WriteText(Paths.CaCert, KeyStore.ToPem(cert));
        // Empty database, attr file and serial exactly as easy-rsa's build_ca writes them.
        tx.WriteText(Paths.Index, "");
        tx.WriteText(Paths.IndexAttr, "unique_subject = no\n");
        tx.WriteText(Paths.Serial, "01\n");
        if (options.Force)
        {
            tx.DeleteIfExists(Paths.Crl);
            tx.DeleteIfExists(Paths.CrlNumber);
        }
        tx.Commit();
        _caSigner = null;
        return cert;
    }

    /// <summary>The CA certificate (ca.crt).</summary>
    public X509Certificate2 LoadCaCertificate()
    {
        RequireCa();
        return KeyStore.LoadCertificate(Paths.CaCert, "CA certificate");
    }

    /// <summary>ca.crt and a signer for private/ca.key (RSA, ECDSA or EdDSA), loaded once.</summary>
    internal CaSigner CaSigner()
    {
        if (_caSigner is null)
        {
            RequireCa();
            X509Certificate2 cert = KeyStore.LoadCertificate(Paths.CaCert, "CA certificate");
            _caSigner = new CaSigner(cert, KeyStore.LoadSigner(cert, Paths.CaKey, AskPassphrase));
        }
        return _caSigner;
    }

    private string? AskPassphrase(string keyPath) => CaPassphrase ?? PassphrasePrompt?.Invoke(keyPath);

    private void RequireCa()
    {
        foreach (string file in new[] { Paths.CaCert, Paths.CaKey, Paths.Index })
        {
            if (!File.Exists(file))
            {
                throw new PkiException($"The CA file {file} is missing; run build-ca first.");
            }
        }
    }

    internal DateTimeOffset Now
    {
        get
        {
            DateTimeOffset t = Time.GetUtcNow();
            return new DateTimeOffset(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        }
    }

    internal HashAlgorithmName Hash => Settings.Digest switch
    {
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        _ => HashAlgorithmName.SHA256,
    };

    internal X500DistinguishedName BuildSubject(string commonName)
    {
        if (string.IsNullOrWhiteSpace(commonName) || commonName.Length > 64)
        {
            throw new PkiException($"Common name '{commonName}' must be 1 to 64 characters.");
        }
        var b = new X500DistinguishedNameBuilder();
        if (Settings.DnMode == DnMode.Org)
        {
            // The order of easy-rsa's [ org ] section in openssl-easyrsa.cnf.
            DnFields d = Settings.Dn;
            if (d.Country.Length != 2)
            {
                throw new PkiException($"Country '{d.Country}' must be a 2-letter code.");
            }
            // X500DistinguishedNameBuilder encodes the last-added RDN first, hence the reverse order.
            AddIfSet(d.Email, b.AddEmailAddress);
            b.AddCommonName(commonName);
            AddIfSet(d.OrgUnit, b.AddOrganizationalUnitName);
            AddIfSet(d.Org, b.AddOrganizationName);
            AddIfSet(d.City, b.AddLocalityName);
            AddIfSet(d.Province, b.AddStateOrProvinceName);
            b.AddCountryOrRegion(d.Country);
        }
        else
        {
            b.AddCommonName(commonName);
        }
        return b.Build();

        static void AddIfSet(string value, Action<string> add)
        {
            if (!string.IsNullOrEmpty(value))
            {
                add(value);
            }
        }
    }

    /// <summary>A request for <paramref name="key"/>'s public key; sign it with <see cref="SignatureGenerator(AsymmetricAlgorithm)"/>.</summary>
    internal static CertificateRequest NewRequest(X500DistinguishedName subject, AsymmetricAlgorithm key, HashAlgorithmName hash) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, hash, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(subject, ec, hash),
        EdDsaKey ed => new CertificateRequest(subject, ed.PublicKey, hash),
        _ => throw new PkiException("Only RSA, ECDSA and EdDSA keys are supported."),
    };

    /// <summary>The signer for every key type: certificates, requests and CRLs all sign through it.</summary>
    internal static X509SignatureGenerator SignatureGenerator(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        EdDsaKey ed => new EdDsaSignatureGenerator(ed),
        _ => throw new PkiException("Only RSA, ECDSA and EdDSA keys are supported."),
    };

    /// <summary>
    /// 128-bit random positive serial (easy-rsa 3.1 uses <c>openssl rand -hex 16</c>). The top
    /// byte is kept in 0x01..0x7F so the DER INTEGER is exactly 16 bytes with no sign padding,
    /// and the hex openssl prints is always 32 digits.
    /// </summary>
    internal static byte[] NewSerial(ICollection<string> used)
    {
        while (true)
        {
            byte[] serial = RandomNumberGenerator.GetBytes(16);
            serial[0] = (byte)((serial[0] & 0x7F) | 0x01);
            if (!used.Contains(SerialHex(serial)))
            {
                return serial;
            }
        }
    }

    /// <summary>openssl's spelling of a serial: upper-case hex of the INTEGER's content bytes.</summary>
    public static string SerialHex(ReadOnlySpan<byte> serial)
    {
        // Drop a DER sign-padding zero byte (openssl prints the magnitude).
        if (serial.Length > 1 && serial[0] == 0)
        {
            serial = serial[1..];
        }
        return Convert.ToHexString(serial);
    }

    /// <summary>The value for pki/serial after issuing <paramref name="serial"/> (openssl ca writes serial+1).</summary>
    internal static string NextSerialFileText(byte[] serial)
    {
        var next = new BigInteger(serial, isUnsigned: true, isBigEndian: true) + 1;
        return Convert.ToHexString(next.ToByteArray(isUnsigned: true, isBigEndian: true)) + "\n";
    }
}
