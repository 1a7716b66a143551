namespace SharpVpn.Pki;

/// <summary>
/// The subject fields of easy-rsa's <c>org</c> DN mode (EASYRSA_REQ_* / easy-rsa 2 KEY_*).
/// Defaults are easy-rsa 3.1's.
/// </summary>
public sealed record DnFields
{
    public string Country { get; init; } = "US";
    public string Province { get; init; } = "California";
    public string City { get; init; } = "San Francisco";
    public string Org { get; init; } = "Copyleft Certificate Co";
    public string Email { get; init; } = "me@example.net";
    public string OrgUnit { get; init; } = "My Organizational Unit";
}

/// <summary>How to make a private key.</summary>
public sealed record KeyOptions
{
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.Rsa;

    /// <summary>RSA modulus size in bits (easy-rsa default 2048).</summary>
    public int KeySize { get; init; } = 2048;

    /// <summary>
    /// Curve name, OpenSSL spelling: for <see cref="KeyAlgorithm.Ec"/> (default secp384r1) or
    /// <see cref="KeyAlgorithm.Ed"/> (ed25519, the default, or ed448). Null: the algorithm's default.
    /// </summary>
    public string? Curve { get; init; }

    /// <summary>Passphrase to encrypt the new key with; null writes it unencrypted ("nopass").</summary>
    public string? Passphrase { get; init; }
}

/// <summary>Options for <see cref="CertificateAuthority.BuildCa"/>.</summary>
public sealed record CaOptions
{
    /// <summary>CA common name; easy-rsa's batch default is "Easy-RSA CA".</summary>
    public string CommonName { get; init; } = "Easy-RSA CA";

    /// <summary>Validity in days; null uses <see cref="PkiSettings.CaDays"/>.</summary>
    public int? Days { get; init; }

    /// <summary>Key to make; null uses the settings' algorithm with no passphrase.</summary>
    public KeyOptions? Key { get; init; }

    /// <summary>Replace an existing CA (and everything issued by it is then orphaned).</summary>
    public bool Force { get; init; }
}

/// <summary>
/// Defaults for every operation, the C# face of easy-rsa's vars (see <see cref="VarsFile"/>).
/// </summary>
public sealed record PkiSettings
{
    public DnMode DnMode { get; init; } = DnMode.CnOnly;
    public DnFields Dn { get; init; } = new();
    public KeyAlgorithm Algorithm { get; init; } = KeyAlgorithm.Rsa;
    public int KeySize { get; init; } = 2048;
    /// <summary>EASYRSA_CURVE / --curve; null means secp384r1 for ec and ed25519 for ed, as easy-rsa.</summary>
    public string? Curve { get; init; }
    public int CaDays { get; init; } = 3650;
    public int CertDays { get; init; } = 825;

    /// <summary>
    /// CRL validity. easy-rsa uses 180 days, but when a CRL passes its nextUpdate, OpenVPN's
    /// crl-verify rejects every client: a CA nobody remembers to re-sign the CRL for locks out
    /// the whole company. We default to 3650 days and let <c>list</c> warn 30 days ahead.
    /// </summary>
    public int CrlDays { get; init; } = 3650;

    /// <summary>Digest for signatures (EASYRSA_DIGEST): sha256, sha384 or sha512.</summary>
    public string Digest { get; init; } = "sha256";

    /// <summary>Default CN for gen-req/build-ca when set (EASYRSA_REQ_CN / --req-cn).</summary>
    public string? RequestCn { get; init; }

    /// <summary>The key options these settings imply, with the given passphrase.</summary>
    public KeyOptions KeyOptions(string? passphrase = null) =>
        new() { Algorithm = Algorithm, KeySize = KeySize, Curve = Curve, Passphrase = passphrase };
}
