namespace SharpVpn.Interop.Tests.Lab;

/// <summary>Key algorithm for an <see cref="EasyRsaPki"/>: EC (P-384, fast, default) or RSA 2048 (the tutorial's era).</summary>
public enum PkiAlgorithm
{
    Ec,
    Rsa,
}

/// <summary>
/// A PKI made by the real easy-rsa 3 (batch, nopass), as the tutorial does by hand: CA, server
/// certificate <c>server</c>, client certificates, a CRL, DH parameters (RFC 7919 ffdhe2048) and
/// <c>ta.key</c> from <c>openvpn --genkey secret</c>.
/// </summary>
public sealed class EasyRsaPki
{
    public const string EasyRsaPath = "/usr/share/easy-rsa/easyrsa";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly PkiAlgorithm _algorithm;

    private EasyRsaPki(string directory, PkiAlgorithm algorithm)
    {
        Directory = directory;
        _algorithm = algorithm;
    }

    /// <summary>The easy-rsa PKI directory (EASYRSA_PKI).</summary>
    public string Directory { get; }

    public string CaCertificate => System.IO.Path.Combine(Directory, "ca.crt");
    public string CaKey => System.IO.Path.Combine(Directory, "private", "ca.key");
    public string ServerCertificate => CertificateOf("server");
    public string ServerKey => KeyOf("server");
    public string DhParameters => System.IO.Path.Combine(Directory, "dh2048.pem");
    /// <summary>The static key for tls-auth, tls-crypt (same file format).</summary>
    public string TaKey => System.IO.Path.Combine(Directory, "ta.key");
    public string Crl => System.IO.Path.Combine(Directory, "crl.pem");

    public string CertificateOf(string name) => System.IO.Path.Combine(Directory, "issued", $"{name}.crt");
    public string KeyOf(string name) => System.IO.Path.Combine(Directory, "private", $"{name}.key");

    /// <summary>
    /// Builds a PKI in <paramref name="directory"/> (created; must not hold a PKI yet) with the CA,
    /// server <c>server</c>, the given clients (default just <c>client</c>), CRL, DH and ta.key.
    /// </summary>
    public static async Task<EasyRsaPki> CreateAsync(
        string directory, PkiAlgorithm algorithm = PkiAlgorithm.Ec, IEnumerable<string>? clients = null,
        CancellationToken cancellationToken = default)
    {
        var pki = new EasyRsaPki(System.IO.Path.GetFullPath(directory), algorithm);
        await pki.EasyRsaAsync(cancellationToken, "init-pki");
        await pki.EasyRsaAsync(cancellationToken, "--req-cn=SharpVPN Test CA", "build-ca", "nopass");
        await pki.EasyRsaAsync(cancellationToken, "build-server-full", "server", "nopass");
        foreach (string client in clients ?? ["client"])
        {
            await pki.AddClientAsync(client, cancellationToken);
        }
        await pki.EasyRsaAsync(cancellationToken, "gen-crl");
        await File.WriteAllTextAsync(pki.DhParameters, Ffdhe.Ffdhe2048Pem, cancellationToken);
        (await ProcessRunner.RunAsync("openvpn", ["--genkey", "secret", pki.TaKey], Timeout, cancellationToken)).EnsureSuccess();
        return pki;
    }

    /// <summary>Issues a client certificate <paramref name="name"/>.crt/.key (nopass).</summary>
    public Task AddClientAsync(string name, CancellationToken cancellationToken = default) =>
        EasyRsaAsync(cancellationToken, "build-client-full", name, "nopass");

    /// <summary>Revokes a certificate and regenerates <see cref="Crl"/>.</summary>
    public async Task RevokeAsync(string name, CancellationToken cancellationToken = default)
    {
        await EasyRsaAsync(cancellationToken, "revoke", name);
        await EasyRsaAsync(cancellationToken, "gen-crl");
    }

    private async Task EasyRsaAsync(CancellationToken cancellationToken, params string[] args)
    {
        var environment = new Dictionary<string, string>
        {
            ["EASYRSA_BATCH"] = "1",
            ["EASYRSA_PKI"] = Directory,
            ["EASYRSA_ALGO"] = _algorithm == PkiAlgorithm.Ec ? "ec" : "rsa",
            ["EASYRSA_KEY_SIZE"] = "2048",
        };
        (await ProcessRunner.RunAsync(EasyRsaPath, args, Timeout, cancellationToken, environment, workDir: "/usr/share/easy-rsa"))
            .EnsureSuccess();
    }
}
