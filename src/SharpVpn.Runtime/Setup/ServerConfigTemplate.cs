using System.Globalization;
using System.Net;
using System.Text;

namespace SharpVpn.Runtime.Setup;

/// <summary>
/// The modern server.conf quickstart writes: readable, one comment per block, OpenVPN 2.6 syntax
/// plus SharpVPN's <c>nat-masquerade</c>/<c>firewall</c> (the tutorial's steps 8-10). The public
/// address lives in a <c>#@sharpvpn public-address</c> comment so profiles can name it while
/// OpenVPN ignores it.
/// </summary>
public static class ServerConfigTemplate
{
    public const string PublicAddressMarker = "#@sharpvpn public-address ";

    public static string Render(DataDirectory dir, ServerSettings s, DateTimeOffset now)
    {
        var sb = new StringBuilder();
        void L(string line = "") => sb.Append(line).Append('\n');
        string date = now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        L($"# SharpVPN server configuration, written by 'sharpvpn quickstart' on {date}.");
        L("# It is an OpenVPN 2.6 config plus two SharpVPN directives (nat-masquerade, firewall). Edit it freely:");
        L("# 'sharpvpn profile add' reads port, proto, data-ciphers and the tls-crypt key from this file, so new");
        L("# profiles follow your edits (profiles already handed out do not). Run: sharpvpn server --config " + dir.ServerConfig);
        L();
        L("# The address clients connect to; 'sharpvpn profile add' puts it in each profile's 'remote' line.");
        L(PublicAddressMarker + s.PublicAddress);
        L();
        L("# --- Where to listen ---");
        L($"port {s.Port.ToString(CultureInfo.InvariantCulture)}");
        L($"proto {s.Protocol}");
        if (s.PortShare is { } share)
        {
            L("# Connections that are not OpenVPN (browsers' HTTPS) are relayed to the web server, so both share this port.");
            L($"port-share {share.Host} {share.Port.ToString(CultureInfo.InvariantCulture)}");
        }

        L("dev tun");
        L();
        L("# --- Certificates: pki/ is an easy-rsa 3 PKI (manage it with 'sharpvpn pki' or easyrsa) ---");
        L($"ca {Path.Combine(dir.PkiDir, "ca.crt")}");
        L($"cert {Path.Combine(dir.PkiDir, "issued", DataDirectory.ServerName + ".crt")}");
        L($"key {Path.Combine(dir.PkiDir, "private", DataDirectory.ServerName + ".key")}");
        L("# TLS uses elliptic-curve (ECDHE) key exchange, so no Diffie-Hellman parameter file is needed.");
        L("dh none");
        L("# Revoked certificates are refused; 'sharpvpn profile revoke' rewrites this file and the server re-reads it.");
        L($"crl-verify {Path.Combine(dir.PkiDir, "crl.pem")}");
        L("# Only certificates issued as client certificates may connect.");
        L("remote-cert-tls client");
        L("tls-version-min 1.2");
        L();
        L("# --- Control-channel protection (the tutorial's ta.key, improved) ---");
        L("# tls-crypt encrypts and authenticates every control packet: hosts without this key get no answer");
        L("# at all, so port scans and TLS-level attacks stop here before any TLS work.");
        L($"tls-crypt {dir.TlsCryptKey}");
        L();
        L("# --- Data-channel ciphers: authenticated encryption only (AES-GCM, ChaCha20-Poly1305) ---");
        L($"data-ciphers {string.Join(':', s.DataCiphers)}");
        L();
        L("# --- Addresses and routes ---");
        L($"# Each client gets one address from this pool (topology subnet: {Offset(s.Pool, 2)}, {Offset(s.Pool, 3)}, ...; the server is {Offset(s.Pool, 1)}).");
        L("topology subnet");
        L($"server {s.Pool.BaseAddress} {Netmask(s.Pool.PrefixLength)}");
        L("# Clients keep their address across reconnects.");
        L($"ifconfig-pool-persist {dir.PoolPersist}");
        if (s.PushRoutes.Count > 0)
        {
            L("# Networks behind this server that clients reach through the tunnel.");
        }

        foreach (IPNetwork route in s.PushRoutes)
        {
            L($"push \"route {route.BaseAddress} {Netmask(route.PrefixLength)}\"");
        }

        if (s.FullTunnel)
        {
            L("# Full tunnel: all of the client's traffic goes through the VPN.");
            L("push \"redirect-gateway def1 bypass-dhcp\"");
        }

        foreach (IPAddress dns in s.Dns)
        {
            L($"push \"dhcp-option DNS {dns}\"");
        }

        L();
        L("# --- Forwarding, source NAT and firewall (SharpVPN directives; remove them for stock OpenVPN) ---");
        L("# Turns on IP forwarding and rewrites the source of tunnelled packets leaving on these interfaces to");
        L("# the server's own address there, so hosts without a route back to the pool can answer ('auto': the");
        L("# default route's interface). SharpVPN keeps these rules in its own nftables table and removes them on exit.");
        L($"nat-masquerade {string.Join(' ', s.NatInterfaces)}");
        L($"# Accepts {s.Protocol} port {s.Port.ToString(CultureInfo.InvariantCulture)} in that table (your own firewall rules still apply).");
        L("firewall open");
        L();
        L("# --- Liveness: ping every 10 s; clients reconnect after 60 s of silence, the server drops them after 120 s ---");
        L("keepalive 10 60");
        L("persist-key");
        L("persist-tun");
        if (s.Protocol == "udp")
        {
            L("# Tell clients when the server restarts, so they reconnect at once.");
            L("explicit-exit-notify 1");
        }

        L();
        L("# --- Status and control ---");
        L("# Connected clients, rewritten every 10 s ('sharpvpn profile list' shows their addresses from it).");
        L($"status {dir.StatusFile} 10");
        L("status-version 2");
        L($"writepid {dir.PidFile}");
        L("# 'sharpvpn profile revoke' disconnects a revoked client through this socket.");
        L($"management {dir.ManagementSocket} unix");
        L("verb 3");
        return sb.ToString();
    }

    /// <summary>The public address from a server.conf written by quickstart, or null.</summary>
    public static string? ReadPublicAddress(string serverConfigText)
    {
        foreach (string raw in serverConfigText.Split('\n'))
        {
            string line = raw.Trim();
            if (line.StartsWith(PublicAddressMarker, StringComparison.Ordinal))
            {
                string value = line[PublicAddressMarker.Length..].Trim();
                return value.Length == 0 ? null : value;
            }
        }

        return null;
    }

    private static IPAddress Offset(IPNetwork network, int n)
    {
        byte[] b = network.BaseAddress.GetAddressBytes();
        uint v = ((uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3]) + (uint)n;
        return new IPAddress([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
    }

    public static string Netmask(int prefixLength)
    {
        uint mask = prefixLength == 0 ? 0 : uint.MaxValue << (32 - prefixLength);
        return new IPAddress([(byte)(mask >> 24), (byte)(mask >> 16), (byte)(mask >> 8), (byte)mask]).ToString();
    }
}
