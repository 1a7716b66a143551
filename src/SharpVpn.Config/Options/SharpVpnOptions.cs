namespace SharpVpn.Config;

/// <summary>SharpVPN's own directives (not in OpenVPN): the tutorial's steps 8-10 done by the server.</summary>
internal static class SharpVpnOptions
{
    public static readonly OptionDefinition[] Definitions =
    [
        new("nat-masquerade", 1, 1, static (s, l) =>
            {
                string iface = l.Arg(0);
                if (iface != "auto" && (iface.Length > 15 || !iface.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')))
                {
                    throw l.Error($"'{iface}' is not an interface name or 'auto'");
                }

                s.NatMasquerade = iface;
            }, "nat-masquerade IFACE|auto: enable IP forwarding and masquerade the pool onto IFACE (auto: the default-route interface)", OptionScope.Server),
        new("firewall", 1, 1, static (s, l) => s.Firewall = ParseState.Keyword(l, 0, new Dictionary<string, FirewallMode>
            {
                ["open"] = FirewallMode.Open,
                ["off"] = FirewallMode.Off,
            }), "firewall open|off: open the VPN port in SharpVPN's own nftables table", OptionScope.Server),
    ];
}
