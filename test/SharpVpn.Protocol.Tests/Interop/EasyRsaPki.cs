using System.Diagnostics;

namespace SharpVpn.Protocol.Tests.Interop;

/// <summary>
/// An EC PKI made by the real easy-rsa 3.1 in a temp dir (CA, server, client1, a revoked client, CRL) plus a
/// static key from the real openvpn. Created once per test class; deleted on dispose.
/// </summary>
public sealed class EasyRsaPki : IDisposable
{
    private const string EasyRsa = "/usr/share/easy-rsa/easyrsa";

    public EasyRsaPki()
    {
        Dir = Directory.CreateTempSubdirectory("sv-c2-pki-").FullName;
        Run(EasyRsa, "init-pki");
        Run(EasyRsa, "build-ca", "nopass");
        Run(EasyRsa, "build-server-full", "server", "nopass");
        Run(EasyRsa, "build-client-full", "client1", "nopass");
        Run(EasyRsa, "build-client-full", "revoked", "nopass");
        RevokedCert = File.ReadAllText(Path.Combine(Pki, "issued", "revoked.crt"));
        RevokedKey = File.ReadAllText(Path.Combine(Pki, "private", "revoked.key"));
        Run(EasyRsa, "revoke", "revoked");
        Run(EasyRsa, "gen-crl");
        Run(OpenVpnServer.OpenVpnPath, "--genkey", "secret", StaticKeyPath);
        Run(OpenVpnServer.OpenVpnPath, "--genkey", "tls-crypt-v2-server", TlsCryptV2ServerKeyPath);
        Run(OpenVpnServer.OpenVpnPath, "--tls-crypt-v2", TlsCryptV2ServerKeyPath, "--genkey", "tls-crypt-v2-client", TlsCryptV2ClientKeyPath);
    }

    public string TlsCryptV2ServerKeyPath => Path.Combine(Dir, "tc2-server.key");

    public string TlsCryptV2ClientKeyPath => Path.Combine(Dir, "tc2-client.key");

    public string Dir { get; }

    public string Pki => Path.Combine(Dir, "pki");

    public string CaPath => Path.Combine(Pki, "ca.crt");

    public string CrlPath => Path.Combine(Pki, "crl.pem");

    public string StaticKeyPath => Path.Combine(Dir, "ta.key");

    public string CertPath(string name) => Path.Combine(Pki, "issued", name + ".crt");

    public string KeyPath(string name) => Path.Combine(Pki, "private", name + ".key");

    public string RevokedCert { get; }

    public string RevokedKey { get; }

    private void Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Dir };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["EASYRSA_BATCH"] = "1";
        psi.Environment["EASYRSA_PKI"] = Path.Combine(Dir, "pki");
        psi.Environment["EASYRSA_ALGO"] = "ec";
        psi.Environment["EASYRSA_CURVE"] = "prime256v1";
        using Process p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr}{stdout}");
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind is harmless.
        }
    }
}
