namespace SharpVpn.Config.Tests;

/// <summary>A throw-away directory holding a config and the files it references.</summary>
internal sealed class TempConfigDir : IDisposable
{
    public const string CaPem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUCA==\n-----END CERTIFICATE-----\n";
    public const string CertPem = "-----BEGIN CERTIFICATE-----\nMIIBtDCCAVqgAwIBAgIUCB==\n-----END CERTIFICATE-----\n";
    public const string KeyPem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG\n-----END PRIVATE KEY-----\n";
    public const string DhPem = "-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA//////////8=\n-----END DH PARAMETERS-----\n";
    public const string CrlPem = "-----BEGIN X509 CRL-----\nMIIBZjBQAgEBMA0GCSqGSIb3\n-----END X509 CRL-----\n";

    public const string StaticKey =
        "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n" +
        "6a0f1c3ea1b2c4d5e6f708192a3b4c5d\n" +
        "-----END OpenVPN Static key V1-----\n";

    public const string TlsCryptV2Client = "-----BEGIN OpenVPN tls-crypt-v2 client key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 client key-----\n";
    public const string TlsCryptV2Server = "-----BEGIN OpenVPN tls-crypt-v2 server key-----\nBBBB\n-----END OpenVPN tls-crypt-v2 server key-----\n";

    public TempConfigDir()
    {
        DirectoryPath = Path.Combine(Path.GetTempPath(), "sv-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DirectoryPath);
    }

    public string DirectoryPath { get; }

    public string Write(string name, string content)
    {
        string path = Path.Combine(DirectoryPath, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The tutorial's files: ca.crt, server/client crt+key, dh2048.pem, ta.key.</summary>
    public TempConfigDir WithScenarioFiles()
    {
        Write("ca.crt", CaPem);
        Write("server.crt", CertPem);
        Write("server.key", KeyPem);
        Write("client.crt", CertPem);
        Write("client.key", KeyPem);
        Write("dh2048.pem", DhPem);
        Write("ta.key", StaticKey);
        return this;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(DirectoryPath, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory does not affect results.
        }
    }
}
