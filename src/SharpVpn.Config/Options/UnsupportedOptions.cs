namespace SharpVpn.Config;

/// <summary>
/// OpenVPN options SharpVPN knows but does not implement. Rule: an option whose absence would let
/// someone in that OpenVPN keeps out (auth plugins and scripts, tls-verify, verify-hash), change
/// the wire format (fragment, proxies), or silently change what the admin asked the tunnel to do
/// (noexec) is an error; anything cosmetic, Windows-only or a tuning knob is a warning.
/// </summary>
internal static class UnsupportedOptions
{
    private const string NoScripts = "SharpVPN runs only up, down, route-up, route-pre-down, ipchange, tls-verify, tls-crypt-v2-verify, auth-user-pass-verify, client-connect, client-disconnect and learn-address scripts";

    public static readonly OptionDefinition[] Definitions =
    [
        OptionTable.Unsupported("pkcs12", "convert it with 'openssl pkcs12 -in FILE -nodes' and use ca/cert/key", isError: true),
        OptionTable.Unsupported("secret", "static-key mode is gone from OpenVPN 2.7; use certificates (ca/cert/key)", isError: true),
        OptionTable.Unsupported("server-bridge", "layer-2 bridging (tap) is not available; use 'server NETWORK NETMASK' with dev tun", isError: true),

        // Errors: security checks that would silently disappear.
        OptionTable.Unsupported("client-cert-not-required", "was removed in OpenVPN 2.5; use 'verify-client-cert none' (with auth-user-pass-verify)", isError: true),
        OptionTable.Unsupported("management-client-auth", "ignoring it would let clients in unchecked", isError: true),
        OptionTable.Unsupported("verify-hash", "ignoring the hash check would accept other certificates", isError: true),
        OptionTable.Unsupported("pkcs11-providers", "PKCS#11 tokens are not available; use cert/key files", isError: true),
        OptionTable.Unsupported("pkcs11-id", "PKCS#11 tokens are not available; use cert/key files", isError: true),
        OptionTable.Unsupported("cryptoapicert", "the Windows certificate store is not available; use cert/key files", isError: true),
        OptionTable.Unsupported("management-external-key", "use cert/key files", isError: true),
        OptionTable.Unsupported("management-external-cert", "use cert/key files", isError: true),

        // Errors: the wire format or the connection path would differ from what the peer expects.
        OptionTable.Unsupported("fragment", "OpenVPN's internal fragmentation changes the data-packet format; remove it on both sides and use mssfix", isError: true),
        OptionTable.Unsupported("ifconfig-noexec", "SharpVPN always configures the tun device itself", isError: true),
        OptionTable.Unsupported("route-noexec", "SharpVPN always installs the routes itself", isError: true),
        OptionTable.Unsupported("secret-key", "static-key mode is gone from OpenVPN 2.7; use certificates", isError: true),

        // Warnings: scripts that only adapt the local system, Windows-only and tuning options.
        OptionTable.Unsupported("up-delay", NoScripts),
        OptionTable.Unsupported("win-sys", "is Windows-only"),
        OptionTable.Unsupported("ip-win32", "is Windows-only"),
        OptionTable.Unsupported("route-method", "is Windows-only"),
        OptionTable.Unsupported("register-dns", "is Windows-only"),
        OptionTable.Unsupported("dhcp-renew", "is Windows-only"),
        OptionTable.Unsupported("dhcp-release", "is Windows-only"),
        OptionTable.Unsupported("tap-sleep", "is Windows-only"),
        OptionTable.Unsupported("show-net-up", "is Windows-only"),
        OptionTable.Unsupported("windows-driver", "is Windows-only"),
        OptionTable.Unsupported("service", "is Windows-only"),
        OptionTable.Unsupported("allow-pull-fqdn", "pushed host names are not accepted by SharpVPN (addresses only)"),
        OptionTable.Unsupported("remote-random-hostname", "is not supported"),
        OptionTable.Unsupported("max-routes-per-client", "is not enforced"),
        OptionTable.Unsupported("tcp-queue-limit", "is not needed (SharpVPN bounds its queues itself)"),
        OptionTable.Unsupported("bcast-buffers", "is not needed"),
        OptionTable.Unsupported("hash-size", "is not needed"),
        OptionTable.Unsupported("stale-routes-check", "is not supported"),
        OptionTable.Unsupported("link-mtu", "is deprecated and not supported; use tun-mtu"),
        OptionTable.Unsupported("tun-mtu-extra", "is not supported"),
        OptionTable.Unsupported("mtu-disc", "is not supported"),
        OptionTable.Unsupported("mtu-test", "is not supported"),
        OptionTable.Unsupported("key-method", "only key method 2 exists"),
        OptionTable.Unsupported("opt-verify", "is deprecated and not supported"),
        OptionTable.Unsupported("engine", "crypto engines are not used by SharpVPN"),
        OptionTable.Unsupported("providers", "OpenSSL providers are not used by SharpVPN"),
        OptionTable.Unsupported("single-session", "is not supported"),
        OptionTable.Unsupported("tls-exit", "is not supported"),
        OptionTable.Unsupported("iroute", "only has an effect in client-config-dir files"),
        OptionTable.Unsupported("ifconfig-push", "only has an effect in client-config-dir files"),
        OptionTable.Unsupported("management-query-passwords", "is not supported"),
        OptionTable.Unsupported("management-hold", "is not supported"),
        OptionTable.Unsupported("management-log-cache", "is not supported"),
        OptionTable.Unsupported("auth-token-user", "is only meaningful when pushed"),
        OptionTable.Unsupported("lladdr", "only applies to tap devices"),
        OptionTable.Unsupported("ifconfig-pool-linear", "is obsolete (use topology p2p)"),
        OptionTable.Unsupported("shaper", "is not supported"),
        OptionTable.Unsupported("fast-io", "is not needed"),
        OptionTable.Unsupported("dev-node", "is Windows/macOS-only (TAP adapter or device node); SharpVPN opens /dev/net/tun"),
        OptionTable.Unsupported("ifconfig-nowarn", "SharpVPN does not compare ifconfig with the peer"),
        OptionTable.Unsupported("allow-recursive-routing", "is not supported"),
        OptionTable.Unsupported("route-ipv6-gateway", "IPv4 tunnels only for now"),
        OptionTable.Unsupported("ifconfig-ipv6-push", "only has an effect in client-config-dir files"),
        OptionTable.Unsupported("iroute-ipv6", "only has an effect in client-config-dir files"),
        OptionTable.Unsupported("tls-groups", "SharpVPN uses the TLS library's default groups"),
        OptionTable.Unsupported("tls-cert-profile", "SharpVPN applies its own certificate checks"),
        OptionTable.Unsupported("compat-mode", "is not needed; SharpVPN talks to 2.4-2.6 peers as they are"),
        OptionTable.Unsupported("keying-material-exporter", "is not supported"),
        OptionTable.Unsupported("management-forget-disconnect", "is not supported"),
        OptionTable.Unsupported("management-up-down", "is not supported"),
        OptionTable.Unsupported("management-signal", "is not supported"),
        OptionTable.Unsupported("management-client", "is not supported"),
        OptionTable.Unsupported("management-client-user", "is not supported"),
        OptionTable.Unsupported("management-client-group", "is not supported"),
        OptionTable.Unsupported("echo", "is not supported"),
        OptionTable.Unsupported("capath", "a CA directory is not supported; use ca FILE"),
        OptionTable.Unsupported("multihome", "SharpVPN replies from the address a packet arrived on"),
        OptionTable.Unsupported("tcp-nodelay", "SharpVPN chooses its socket flags itself"),
        OptionTable.Unsupported("max-routes", "SharpVPN accepts at most 100 pushed routes"),
        OptionTable.Unsupported("client-nat", "is not supported"),
        OptionTable.Unsupported("remap-usr1", "is not supported"),
        OptionTable.Unsupported("disable-occ", "is not supported"),
        OptionTable.Unsupported("passtos", "is not supported"),
        OptionTable.Unsupported("replay-persist", "is not supported"),
        OptionTable.Unsupported("no-replay", "SharpVPN always checks for replayed packets"),
        OptionTable.Unsupported("connect-freq-initial", "SharpVPN limits unverified replies itself"),
        OptionTable.Unsupported("force-tls-key-material-export", "TLS keying-material export is not available on .NET 10"),
        OptionTable.Unsupported("tls-crypt-v2-max-age", "is not supported yet"),
        OptionTable.Unsupported("show-net", "is not supported"),
        OptionTable.Unsupported("vlan-tagging", "only applies to tap devices"),
        OptionTable.Unsupported("vlan-accept", "only applies to tap devices"),
        OptionTable.Unsupported("vlan-pvid", "only applies to tap devices"),
        OptionTable.Unsupported("iproute", "SharpVPN configures routes through netlink/ip itself"),
        OptionTable.Unsupported("dhcp-pre-release", "is Windows-only"),
        OptionTable.Unsupported("allow-nonadmin", "is Windows-only"),
        OptionTable.Unsupported("auth-user-pass-optional", "it needs username/password authentication", isError: true),
        OptionTable.Unsupported("socket-flags", "SharpVPN chooses its socket flags itself"),
    ];
}
