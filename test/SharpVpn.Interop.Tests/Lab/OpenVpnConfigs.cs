using System.Text;

namespace SharpVpn.Interop.Tests.Lab;

/// <summary>A written openvpn config and the log file it tells openvpn to write.</summary>
public sealed record OpenVpnConfigFile(string ConfigPath, string LogPath, string StatusPath);

/// <summary>
/// Writes the scenario's server.conf and client.conf (shared/docs/scenario.md) with absolute paths
/// into an <see cref="EasyRsaPki"/>, logging to a file next to the config instead of /var/log.
/// </summary>
public static class OpenVpnConfigs
{
    public static string ServerConfig(EasyRsaPki pki, OpenVpnVariant? variant = null, string? logPath = null, string? statusPath = null)
    {
        OpenVpnVariant v = variant ?? OpenVpnVariant.Tutorial;
        var sb = new StringBuilder();
        sb.AppendLine($"port {v.Port}");
        sb.AppendLine($"proto {v.Proto}");
        sb.AppendLine("dev tun");
        sb.AppendLine($"ca {pki.CaCertificate}");
        sb.AppendLine($"cert {pki.ServerCertificate}");
        sb.AppendLine($"key {pki.ServerKey}");
        sb.AppendLine(v.UseDh ? $"dh {pki.DhParameters}" : "dh none");
        sb.AppendLine($"topology {v.Topology}");
        sb.AppendLine("server 10.0.1.0 255.255.255.0");
        sb.AppendLine("push \"route 192.168.1.0 255.255.255.0\"");
        sb.AppendLine("keepalive 10 120");
        AppendCrypto(sb, pki, v, isServer: true);
        sb.AppendLine("persist-key");
        sb.AppendLine("persist-tun");
        if (v.DropPrivileges)
        {
            sb.AppendLine("user nobody");
            sb.AppendLine("group nogroup");
        }
        if (statusPath is not null)
        {
            sb.AppendLine($"status {statusPath} 1");
        }
        if (logPath is not null)
        {
            sb.AppendLine($"log {logPath}");
        }
        sb.AppendLine($"verb {v.Verb}");
        foreach (string line in v.ServerExtra)
        {
            sb.AppendLine(line);
        }
        return sb.ToString();
    }

    public static string ClientConfig(
        EasyRsaPki pki, string clientName = "client", OpenVpnVariant? variant = null, string? logPath = null,
        string remote = ScenarioLab.ServerPublicAddress)
    {
        OpenVpnVariant v = variant ?? OpenVpnVariant.Tutorial;
        var sb = new StringBuilder();
        sb.AppendLine("client");
        sb.AppendLine("dev tun");
        sb.AppendLine($"proto {v.Proto}");
        sb.AppendLine($"remote {remote} {v.Port}");
        sb.AppendLine("resolv-retry infinite");
        sb.AppendLine("nobind");
        sb.AppendLine("persist-key");
        sb.AppendLine("persist-tun");
        sb.AppendLine($"ca {pki.CaCertificate}");
        sb.AppendLine($"cert {pki.CertificateOf(clientName)}");
        sb.AppendLine($"key {pki.KeyOf(clientName)}");
        sb.AppendLine("remote-cert-tls server");
        AppendCrypto(sb, pki, v, isServer: false);
        if (logPath is not null)
        {
            sb.AppendLine($"log {logPath}");
        }
        sb.AppendLine($"verb {v.Verb}");
        foreach (string line in v.ClientExtra)
        {
            sb.AppendLine(line);
        }
        return sb.ToString();
    }

    /// <summary>Writes <c>server.conf</c> into <paramref name="directory"/>, logging to <c>server.log</c> there.</summary>
    public static OpenVpnConfigFile WriteServer(string directory, EasyRsaPki pki, OpenVpnVariant? variant = null, string name = "server")
    {
        Directory.CreateDirectory(directory);
        var file = new OpenVpnConfigFile(
            Path.Combine(directory, $"{name}.conf"), Path.Combine(directory, $"{name}.log"), Path.Combine(directory, $"{name}-status.log"));
        File.WriteAllText(file.ConfigPath, ServerConfig(pki, variant, file.LogPath, file.StatusPath));
        return file;
    }

    /// <summary>Writes <c>{clientName}.conf</c> into <paramref name="directory"/>, logging to <c>{clientName}.log</c> there.</summary>
    public static OpenVpnConfigFile WriteClient(
        string directory, EasyRsaPki pki, string clientName = "client", OpenVpnVariant? variant = null,
        string remote = ScenarioLab.ServerPublicAddress)
    {
        Directory.CreateDirectory(directory);
        var file = new OpenVpnConfigFile(
            Path.Combine(directory, $"{clientName}.conf"), Path.Combine(directory, $"{clientName}.log"), "");
        File.WriteAllText(file.ConfigPath, ClientConfig(pki, clientName, variant, file.LogPath, remote));
        return file;
    }

    private static void AppendCrypto(StringBuilder sb, EasyRsaPki pki, OpenVpnVariant v, bool isServer)
    {
        switch (v.TlsWrap)
        {
            case TlsWrapMode.TlsAuth:
                sb.AppendLine($"tls-auth {pki.TaKey} {(isServer ? 0 : 1)}");
                break;
            case TlsWrapMode.TlsCrypt:
                sb.AppendLine($"tls-crypt {pki.TaKey}");
                break;
        }
        sb.AppendLine($"cipher {v.Cipher}");
        if (v.DataCiphers is not null)
        {
            sb.AppendLine($"data-ciphers {v.DataCiphers}");
        }
        if (v.Auth is not null)
        {
            sb.AppendLine($"auth {v.Auth}");
        }
        if (v.CompLzo)
        {
            sb.AppendLine("comp-lzo");
            sb.AppendLine("allow-compression yes");
        }
    }
}
