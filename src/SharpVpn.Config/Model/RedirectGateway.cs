namespace SharpVpn.Config;

/// <summary><c>redirect-gateway [flags]</c> (also <c>redirect-private</c>); flags are kept lower-case.</summary>
public sealed record RedirectGateway(IReadOnlyList<string> Flags, bool IsPrivate = false)
{
    /// <summary>The flags OpenVPN 2.6 knows (route.c / options.c).</summary>
    public static readonly IReadOnlySet<string> KnownFlags = new HashSet<string>(StringComparer.Ordinal)
    {
        "local", "autolocal", "def1", "bypass-dhcp", "bypass-dns", "block-local", "ipv6", "!ipv4",
    };

    public bool Def1 => Has("def1");

    public bool Local => Has("local");

    public bool AutoLocal => Has("autolocal");

    public bool BypassDhcp => Has("bypass-dhcp");

    public bool BypassDns => Has("bypass-dns");

    public bool BlockLocal => Has("block-local");

    public bool Ipv6 => Has("ipv6");

    /// <summary>False when "!ipv4" is given.</summary>
    public bool Ipv4 => !Has("!ipv4");

    private bool Has(string flag) => Flags.Contains(flag);
}
