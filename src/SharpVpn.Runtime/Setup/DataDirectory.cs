namespace SharpVpn.Runtime.Setup;

/// <summary>
/// The layout of a quickstart data directory (default /etc/sharpvpn). Everything the server and
/// the profile commands share lives here, so a profile always matches the running server.
/// <code>
/// server.conf        the server config (hand-editable; profile add reads port, proto, ciphers, tls-crypt from it)
/// pki/               easy-rsa 3 layout: ca.crt, private/, issued/, crl.pem, index.txt, ...
/// tls-crypt.key      the tls-crypt static key (the tutorial's ta.key)
/// clients/NAME.ovpn  client profiles (contain the client's private key: 0600, directory 0700)
/// ipp.txt status.log server.pid management.sock   written by the running server
/// </code>
/// </summary>
public sealed class DataDirectory
{
    public const string DefaultRoot = "/etc/sharpvpn";
    public const string ServerName = "server";

    public DataDirectory(string root)
    {
        Root = Path.GetFullPath(root);
    }

    public string Root { get; }

    public string ServerConfig => Path.Combine(Root, "server.conf");

    public string PkiDir => Path.Combine(Root, "pki");

    public string TlsCryptKey => Path.Combine(Root, "tls-crypt.key");

    public string ClientsDir => Path.Combine(Root, "clients");

    public string PoolPersist => Path.Combine(Root, "ipp.txt");

    public string StatusFile => Path.Combine(Root, "status.log");

    public string PidFile => Path.Combine(Root, "server.pid");

    public string ManagementSocket => Path.Combine(Root, "management.sock");

    public string ProfilePath(string name) => Path.Combine(ClientsDir, name + ".ovpn");

    public string ZipPath(string name) => Path.Combine(ClientsDir, name + ".zip");

    public bool HasServerConfig => File.Exists(ServerConfig);
}
