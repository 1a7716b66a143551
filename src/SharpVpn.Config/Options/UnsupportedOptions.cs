namespace SharpVpn.Config;

/// <summary>
/// OpenVPN options SharpVPN knows but does not implement. Rule: an option whose absence would let
/// someone in that OpenVPN keeps out (auth plugins and scripts, tls-verify, fingerprints), change
/// the wire format (fragment, proxies), or silently change what the admin asked the tunnel to do
/// (noexec) is an error; anything cosmetic, Windows-only or a tuning knob is a warning.
/// </summary>
internal static class UnsupportedOptions
{
    private const string NoScripts = "SharpVPN runs no scripts";

    public static readonly OptionDefinition[] Definitions =
    [
        OptionTable.Unsupported("pkcs12", "convert it with 'openssl pkcs12 -in FILE -nodes' and use ca/cert/key", isError: true),
        OptionTable.Unsupported("secret", "static-key mode is gone from OpenVPN 2.7; use certificates (ca/cert/key)", isError: true),
        OptionTable.Unsupported("server-bridge", "layer-2 bridging (tap) is not available; use 'server NETWORK NETMASK' with dev tun", isError: true),

        // Errors: security checks that would silently disappear.
        OptionTable.Unsupported("plugin", "ignoring a plugin (e.g. PAM/LDAP authentication) would let clients in unchecked", isError: true),
        OptionTable.Unsupported("auth-user-pass-verify", $"{NoScripts}; ignoring the password check would let any client in", isError: true),
        OptionTable.Unsupported("client-connect", $"{NoScripts}; a client-connect script can refuse or configure clients", isError: true),
        OptionTable.Unsupported("tls-verify", $"{NoScripts}; ignoring the certificate check script would accept certificates it rejects", isError: true),
        OptionTable.Unsupported("tls-crypt-v2-verify", $"{NoScripts}; ignoring the check would accept client keys it rejects", isError: true),
        OptionTable.Unsupported("username-as-common-name", "it needs username/password authentication", isError: true),
        OptionTable.Unsupported("client-cert-not-required", "every client needs a certificate", isError: true),
        OptionTable.Unsupported("management-client-auth", "ignoring it would let clients in unchecked", isError: true),
        OptionTable.Unsupported("peer-fingerprint", "fingerprint pinning replaces the CA check; use ca", isError: true),
        OptionTable.Unsupported("verify-hash", "ignoring the hash check would accept other certificates", isError: true),
        OptionTable.Unsupported("x509-username-field", "SharpVPN names clients by their certificate CN", isError: true),
        OptionTable.Unsupported("pkcs11-providers", "PKCS#11 tokens are not available; use cert/key files", isError: true),
        OptionTable.Unsupported("pkcs11-id", "PKCS#11 tokens are not available; use cert/key files", isError: true),
        OptionTable.Unsupported("cryptoapicert", "the Windows certificate store is not available; use cert/key files", isError: true),
        OptionTable.Unsupported("management-external-key", "use cert/key files", isError: true),
        OptionTable.Unsupported("management-external-cert", "use cert/key files", isError: true),

        // Errors: the wire format or the connection path would differ from what the peer expects.
        OptionTable.Unsupported("fragment", "OpenVPN's internal fragmentation changes the data-packet format; remove it on both sides and use mssfix", isError: true),
        OptionTable.Unsupported("http-proxy", "connecting through an HTTP proxy is not available", isError: true),
        OptionTable.Unsupported("socks-proxy", "connecting through a SOCKS proxy is not available", isError: true),
        OptionTable.Unsupported("connection", "use several 'remote' lines instead of <connection> blocks", isError: true),
        OptionTable.Unsupported("config", "put the included options into this file", isError: true),
        OptionTable.Unsupported("ifconfig-noexec", "SharpVPN always configures the tun device itself", isError: true),
        OptionTable.Unsupported("route-noexec", "SharpVPN always installs the routes itself", isError: true),
        OptionTable.Unsupported("secret-key", "static-key mode is gone from OpenVPN 2.7; use certificates", isError: true),
        OptionTable.Unsupported("port-share", "port sharing with another server is not available", isError: true),
        OptionTable.Unsupported("auth-gen-token", "session tokens are not supported by SharpVPN yet", isError: false),

        // Warnings: scripts that only adapt the local system, Windows-only and tuning options.
        OptionTable.Unsupported("up", $"{NoScripts}; SharpVPN applies pushed dhcp-option DNS itself where resolvconf exists"),
        OptionTable.Unsupported("down", NoScripts),
        OptionTable.Unsupported("route-up", NoScripts),
        OptionTable.Unsupported("route-pre-down", NoScripts),
        OptionTable.Unsupported("ipchange", NoScripts),
        OptionTable.Unsupported("client-disconnect", NoScripts),
        OptionTable.Unsupported("learn-address", NoScripts),
        OptionTable.Unsupported("tls-export-cert", NoScripts),
        OptionTable.Unsupported("up-delay", NoScripts),
        OptionTable.Unsupported("up-restart", NoScripts),
        OptionTable.Unsupported("down-pre", NoScripts),
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
        OptionTable.Unsupported("push-peer-info", "SharpVPN sends its fixed peer-info set"),
        OptionTable.Unsupported("remote-random-hostname", "is not supported"),
        OptionTable.Unsupported("max-routes-per-client", "is not enforced"),
        OptionTable.Unsupported("tcp-queue-limit", "is not needed (SharpVPN bounds its queues itself)"),
        OptionTable.Unsupported("bcast-buffers", "is not needed"),
        OptionTable.Unsupported("hash-size", "is not needed"),
        OptionTable.Unsupported("stale-routes-check", "is not supported"),
        OptionTable.Unsupported("inactive", "is not supported yet"),
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
        OptionTable.Unsupported("static-challenge", "is not supported"),
        OptionTable.Unsupported("lladdr", "only applies to tap devices"),
        OptionTable.Unsupported("ifconfig-pool-linear", "is obsolete (use topology p2p)"),
        OptionTable.Unsupported("shaper", "is not supported"),
        OptionTable.Unsupported("fast-io", "is not needed"),
        OptionTable.Unsupported("socket-flags", "SharpVPN chooses its socket flags itself"),
        OptionTable.Unsupported("dns", "the structured 2.6 'dns' option is not supported yet; use dhcp-option DNS"),
    ];
}
