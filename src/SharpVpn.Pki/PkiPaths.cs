namespace SharpVpn.Pki;

/// <summary>
/// Where easy-rsa 3.1 keeps each file in a PKI directory. Names are validated so that a name
/// cannot walk out of the directory.
/// </summary>
public sealed class PkiPaths
{
    public PkiPaths(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }
    public string CaCert => Combine("ca.crt");
    public string CaKey => Combine("private", "ca.key");
    public string Crl => Combine("crl.pem");
    public string Dh => Combine("dh.pem");
    public string Index => Combine("index.txt");
    public string IndexAttr => Combine("index.txt.attr");
    public string Serial => Combine("serial");
    public string CrlNumber => Combine("crlnumber");
    public string PrivateDir => Combine("private");
    public string ReqsDir => Combine("reqs");
    public string IssuedDir => Combine("issued");
    public string CertsBySerialDir => Combine("certs_by_serial");
    public string RevokedDir => Combine("revoked");

    public string IssuedCert(string name) => Combine("issued", CheckName(name) + ".crt");
    public string PrivateKey(string name) => Combine("private", CheckName(name) + ".key");
    public string Request(string name) => Combine("reqs", CheckName(name) + ".req");
    public string CertBySerial(string serialHex) => Combine("certs_by_serial", serialHex + ".pem");
    public string RevokedCert(string serialHex) => Combine("revoked", "certs_by_serial", serialHex + ".crt");
    public string RevokedKey(string serialHex) => Combine("revoked", "private_by_serial", serialHex + ".key");
    public string RevokedReq(string serialHex) => Combine("revoked", "reqs_by_serial", serialHex + ".req");
    public string RenewedCert(string name) => Combine("renewed", "issued", CheckName(name) + ".crt");
    public string RenewedKey(string name) => Combine("renewed", "private", CheckName(name) + ".key");
    public string RenewedReq(string name) => Combine("renewed", "reqs", CheckName(name) + ".req");

    /// <summary>Directories easy-rsa's build-ca creates (verify_ca_init checks issued and certs_by_serial).</summary>
    public IEnumerable<string> CaDirectories =>
    [
        IssuedDir, CertsBySerialDir,
        Combine("revoked", "certs_by_serial"), Combine("revoked", "private_by_serial"), Combine("revoked", "reqs_by_serial"),
    ];

    /// <summary>
    /// A file base name as easy-rsa uses it: no path separators, not empty, no leading dot.
    /// </summary>
    public static string CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('.') || name.Length > 64
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@' or '+'))
        {
            throw new PkiException($"'{name}' is not a usable entity name: use letters, digits, '-', '_', '.', '@' and '+', at most 64 characters, not starting with '.'.");
        }
        return name;
    }

    private string Combine(params string[] parts) => Path.Combine([Root, .. parts]);
}
