using System.Globalization;
using System.IO.Compression;
using System.Text;
using SharpVpn.Config;
using ConfigCompression = SharpVpn.Config.CompressionMode;

namespace SharpVpn.Runtime.Setup;

/// <summary>The PEM material one client profile carries.</summary>
public sealed record ProfileMaterial(string Name, string CaPem, string CertPem, string KeyPem);

/// <summary>
/// Renders a client profile from the server's own config, so port, proto, ciphers and the
/// control-channel key always match the server: either one <c>.ovpn</c> with everything inline,
/// or the tutorial's <c>client.zip</c> (client.ovpn + ca.crt, NAME.crt, NAME.key, ta.key, CRLF line
/// endings so OpenVPN GUI on Windows imports it as-is).
/// </summary>
public static class ClientProfile
{
    /// <summary>The single-file profile (LF line endings).</summary>
    public static string RenderInline(ServerConfig server, string remote, ProfileMaterial m, DateTimeOffset now)
    {
        var sb = new StringBuilder();
        AppendCommon(sb, server, remote, m.Name, now);
        AppendBlock(sb, "ca", m.CaPem);
        AppendBlock(sb, "cert", m.CertPem);
        AppendBlock(sb, "key", m.KeyPem);
        if (server.Tls.TlsCrypt is { } crypt)
        {
            AppendBlock(sb, "tls-crypt", crypt.Text);
        }
        else if (server.Tls.TlsAuth is { } auth)
        {
            sb.Append(auth.Direction is null ? "" : "key-direction 1\n");
            AppendBlock(sb, "tls-auth", auth.Text);
        }

        return sb.ToString();
    }

    /// <summary>The zip (client.ovpn referencing ca.crt, NAME.crt, NAME.key, ta.key next to it), CRLF throughout.</summary>
    public static byte[] RenderZip(ServerConfig server, string remote, ProfileMaterial m, DateTimeOffset now)
    {
        var sb = new StringBuilder();
        AppendCommon(sb, server, remote, m.Name, now);
        sb.Append("ca ca.crt\n");
        sb.Append(CultureInfo.InvariantCulture, $"cert {m.Name}.crt\n");
        sb.Append(CultureInfo.InvariantCulture, $"key {m.Name}.key\n");
        string? staticKey = null;
        if (server.Tls.TlsCrypt is { } crypt)
        {
            sb.Append("tls-crypt ta.key\n");
            staticKey = crypt.Text;
        }
        else if (server.Tls.TlsAuth is { } auth)
        {
            sb.Append(auth.Direction is null ? "tls-auth ta.key\n" : "tls-auth ta.key 1\n");
            staticKey = auth.Text;
        }

        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            Add(zip, "client.ovpn", sb.ToString());
            Add(zip, "ca.crt", m.CaPem);
            Add(zip, m.Name + ".crt", m.CertPem);
            Add(zip, m.Name + ".key", m.KeyPem);
            if (staticKey is not null)
            {
                Add(zip, "ta.key", staticKey);
            }
        }

        return buffer.ToArray();
    }

    /// <summary>LF or CRLF text to CRLF.</summary>
    public static string ToCrlf(string text) => text.ReplaceLineEndings("\n").Replace("\n", "\r\n", StringComparison.Ordinal);

    private static void AppendCommon(StringBuilder sb, ServerConfig server, string remote, string name, DateTimeOffset now)
    {
        string proto = server.Protocol == TransportProtocol.Tcp ? "tcp" : "udp";
        sb.Append(CultureInfo.InvariantCulture, $"# SharpVPN client profile '{name}', made {now:yyyy-MM-dd} by 'sharpvpn profile add'.\n");
        sb.Append("# Import it into OpenVPN (GUI 2.4+, Connect, or 'openvpn --config') or run 'sharpvpn client --config'.\n");
        sb.Append("client\n");
        sb.Append("dev tun\n");
        sb.Append(CultureInfo.InvariantCulture, $"proto {proto}\n");
        sb.Append(CultureInfo.InvariantCulture, $"remote {remote} {server.Port}\n");
        sb.Append("resolv-retry infinite\n");
        sb.Append("nobind\n");
        sb.Append("persist-key\n");
        sb.Append("persist-tun\n");
        sb.Append("# Only accept a peer whose certificate was issued as a server certificate.\n");
        sb.Append("remote-cert-tls server\n");
        // OpenVPN 2.4 does not know data-ciphers; it negotiates from 'cipher' plus what the server pushes.
        sb.Append("# The server's data-channel ciphers; 'cipher' is for OpenVPN 2.4 clients, which do not know data-ciphers.\n");
        sb.Append("ignore-unknown-option data-ciphers\n");
        sb.Append(CultureInfo.InvariantCulture, $"data-ciphers {string.Join(':', server.DataChannel.DataCiphers)}\n");
        string fallback = server.DataChannel.Cipher ?? server.DataChannel.DataCiphers.FirstOrDefault() ?? "AES-256-GCM";
        sb.Append(CultureInfo.InvariantCulture, $"cipher {fallback}\n");
        if (!string.Equals(server.DataChannel.Auth, "SHA1", StringComparison.OrdinalIgnoreCase))
        {
            sb.Append(CultureInfo.InvariantCulture, $"auth {server.DataChannel.Auth}\n");
        }

        switch (server.DataChannel.Compression)
        {
            case ConfigCompression.Lzo:
            case ConfigCompression.LzoNo:
                sb.Append("comp-lzo\n");
                break;
            case ConfigCompression.None:
                break;
            default:
                sb.Append("compress\n");
                break;
        }

        sb.Append("verb 3\n");
    }

    private static void AppendBlock(StringBuilder sb, string tag, string content)
    {
        sb.Append('<').Append(tag).Append(">\n");
        sb.Append(content.ReplaceLineEndings("\n").Trim('\n')).Append('\n');
        sb.Append("</").Append(tag).Append(">\n");
    }

    private static void Add(ZipArchive zip, string entryName, string text)
    {
        ZipArchiveEntry entry = zip.CreateEntry(entryName, CompressionLevel.Optimal);
        using Stream stream = entry.Open();
        string crlf = ToCrlf(text.EndsWith('\n') ? text : text + "\n");
        stream.Write(Encoding.UTF8.GetBytes(crlf));
    }
}
