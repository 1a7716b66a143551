namespace SharpVpn.Config;

/// <summary>SharpVPN's own directives (not in OpenVPN): the tutorial's steps 8-10 done by the server.</summary>
internal static class SharpVpnOptions
{
    /// <summary>Interfaces one nat-masquerade line may name (a server with several intranet networks).</summary>
    private const int MaxNatInterfaces = 16;

    public static readonly OptionDefinition[] Definitions =
    [
        new("nat-masquerade", 1, MaxNatInterfaces, static (s, l) =>
            {
                var interfaces = new List<string>();
                for (int i = 0; i < l.ArgCount; i++)
                {
                    string iface = l.Arg(i);
                    if (iface == "auto" && l.ArgCount > 1)
                    {
                        throw l.Error("'auto' stands alone (it means the default route's interface)");
                    }

                    if (iface != "auto" && !IsInterfaceName(iface))
                    {
                        throw l.Error($"'{iface}' is not an interface name or 'auto'");
                    }

                    if (interfaces.Contains(iface))
                    {
                        throw l.Error($"interface '{iface}' is named twice");
                    }

                    interfaces.Add(iface);
                }

                s.NatMasquerade = interfaces;
            }, "nat-masquerade IFACE [IFACE...]|auto: enable IP forwarding and masquerade the pool onto each IFACE (auto: the default-route interface)", OptionScope.Server),
        new("firewall", 1, 1, static (s, l) => s.Firewall = ParseState.Keyword(l, 0, new Dictionary<string, FirewallMode>
            {
                ["open"] = FirewallMode.Open,
                ["off"] = FirewallMode.Off,
            }), "firewall open|off: open the VPN port in SharpVPN's own nftables table", OptionScope.Server),
    ];

    /// <summary>A Linux interface name: at most 15 characters, no spaces, quotes or other shell/nft syntax.</summary>
    private static bool IsInterfaceName(string name) =>
        name.Length is > 0 and <= 15 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@');
}
