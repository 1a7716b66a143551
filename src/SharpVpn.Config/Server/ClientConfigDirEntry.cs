using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// One <c>client-config-dir</c> file (named after the client certificate's CN), as OpenVPN reads it
/// at connect time (multi.c <c>multi_client_connect_source_ccd</c>): <c>ifconfig-push CLIENT_IP
/// PEER_OR_NETMASK</c>, <c>iroute NETWORK [NETMASK]</c>, <c>push "..."</c>, <c>push-reset</c>,
/// <c>push-remove TEXT</c>, <c>disable</c>, and for IPv6 <c>ifconfig-ipv6-push ADDR/BITS [REMOTE]</c> and
/// <c>iroute-ipv6 NET/BITS</c>. Same tokenizer and error format as the main config.
/// </summary>
public sealed record ClientConfigDirEntry
{
    public required string CommonName { get; init; }

    public required string SourceName { get; init; }

    /// <summary><c>ifconfig-push</c>: the client's fixed address and the peer (net30) or netmask (subnet).</summary>
    public IfconfigSettings? IfconfigPush { get; init; }

    /// <summary><c>iroute</c>: networks behind this client, routed to it by the server.</summary>
    public IReadOnlyList<Route> IRoutes { get; init; } = [];

    /// <summary><c>ifconfig-ipv6-push ADDR/BITS [REMOTE]</c>: the client's fixed IPv6 address (instead of the IPv6 pool's).</summary>
    public IfconfigIpv6Push? IfconfigIpv6Push { get; init; }

    /// <summary><c>iroute-ipv6 NET/BITS</c>: IPv6 networks behind this client, routed to it by the server.</summary>
    public IReadOnlyList<IPNetwork> IRoutesIpv6 { get; init; } = [];

    /// <summary>Extra options pushed to this client, after the global list (or instead of it with <see cref="PushReset"/>).</summary>
    public IReadOnlyList<string> Pushes { get; init; } = [];

    /// <summary><c>push-reset</c>: drop the inherited global push list for this client.</summary>
    public bool PushReset { get; init; }

    /// <summary><c>push-remove TEXT</c>: remove inherited pushes starting with TEXT.</summary>
    public IReadOnlyList<string> PushRemove { get; init; } = [];

    /// <summary><c>disable</c>: refuse this client.</summary>
    public bool Disable { get; init; }

    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary><c>push-remove ifconfig</c>: do not push the per-client ifconfig (push.c <c>push_remove_option</c>).</summary>
    public bool IfconfigPushBlocked { get; init; }

    /// <summary>
    /// <c>push-remove ifconfig-ipv6</c>: do not push the per-client ifconfig-ipv6. As in push.c <c>push_remove_option</c>,
    /// "ifconfig" and "ifconfig-ipv6" are exact words here (<c>push-remove ifconfig</c> leaves IPv6 alone), and a later
    /// <c>ifconfig-ipv6-push</c> in the file lifts the block again (options.c).
    /// </summary>
    public bool IfconfigIpv6PushBlocked { get; init; }

    /// <summary>push, push-reset and push-remove in file order, replayed by <see cref="ApplyPushes"/>.</summary>
    private IReadOnlyList<(char Op, string Text)> PushOperations { get; init; } = [];

    /// <summary>
    /// The push list for this client: the server's global list with this file's push-reset,
    /// push-remove (prefix match, push.c <c>push_remove_option</c>) and push lines applied in file order.
    /// Per-client entries (ifconfig, peer-id, cipher, ...) are added by the runtime after these.
    /// </summary>
    public IReadOnlyList<string> ApplyPushes(IReadOnlyList<string> globalPushes)
    {
        var list = new List<string>(globalPushes);
        foreach ((char op, string text) in PushOperations)
        {
            switch (op)
            {
                case 'r':
                    list.Clear();
                    break;
                case '-':
                    list.RemoveAll(p => p.StartsWith(text, StringComparison.Ordinal));
                    break;
                default:
                    list.Add(text);
                    break;
            }
        }

        return list;
    }

    /// <summary>The file name OpenVPN falls back to when there is no file for the CN (multi.c, CCD_DEFAULT).</summary>
    public const string DefaultFileName = "DEFAULT";

    /// <summary>
    /// The ccd file for <paramref name="commonName"/> in <paramref name="directory"/>, else the DEFAULT
    /// file, else null (the client then uses the pool) — multi.c <c>multi_client_connect_source_ccd</c>.
    /// A CN that cannot be a file name (empty, '.', '..', containing '/' or NUL) only gets DEFAULT.
    /// </summary>
    public static ClientConfigDirEntry? Load(string directory, string commonName)
    {
        if (IsSafeFileName(commonName) && TryRead(Path.Combine(directory, commonName), out string? text, out string path))
        {
            return Parse(text, path, commonName);
        }

        if (TryRead(Path.Combine(directory, DefaultFileName), out string? defaultText, out string defaultPath))
        {
            return Parse(defaultText, defaultPath, commonName);
        }

        return null;
    }

    /// <summary>
    /// The ccd-exclusive check (ssl_verify.c): the client is allowed only if a file named exactly after its
    /// CN exists; DEFAULT does not count, and a CN of "DEFAULT" is refused.
    /// </summary>
    public static bool ExistsForCommonName(string directory, string commonName) =>
        IsSafeFileName(commonName) && commonName != DefaultFileName && File.Exists(Path.Combine(directory, commonName));

    private static bool TryRead(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? text, out string resolved)
    {
        resolved = path;
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            text = null;
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"{path}: client-config-dir file could not be read: {ex.Message}", ex);
        }
    }

    public static ClientConfigDirEntry Parse(string text, string sourceName, string commonName)
    {
        IfconfigSettings? ifconfigPush = null;
        IfconfigIpv6Push? ifconfigIpv6Push = null;
        var iroutes = new List<Route>();
        var iroutesIpv6 = new List<IPNetwork>();
        var pushes = new List<string>();
        var pushRemove = new List<string>();
        var warnings = new List<string>();
        var operations = new List<(char, string)>();
        bool pushReset = false;
        bool ifconfigBlocked = false;
        bool ifconfigIpv6Blocked = false;
        bool disable = false;

        foreach (ConfigLine l in ConfigTokenizer.Tokenize(text, sourceName))
        {
            switch (l.Name)
            {
                case "ifconfig-push":
                    Args(l, 2, 3);
                    uint local = ParseState.Address(l, 0);
                    uint second = ParseState.Address(l, 1);
                    ifconfigPush = new IfconfigSettings(Ipv4.ToAddress(local), Ipv4.ToAddress(second));
                    break;
                case "iroute":
                    Args(l, 1, 2);
                    iroutes.Add(NetworkOptions.ParseRoute(l));
                    break;
                case "push":
                    Args(l, 1, 1);
                    if (l.Arg(0).Contains(',', StringComparison.Ordinal))
                    {
                        throw l.Error($"'{l.Arg(0)}' contains a comma, which would split it into two pushed options");
                    }

                    pushes.Add(l.Arg(0).Trim());
                    operations.Add(('+', l.Arg(0).Trim()));
                    break;
                case "push-reset":
                    Args(l, 0, 0);
                    pushReset = true;
                    operations.Add(('r', string.Empty));
                    break;
                case "push-remove":
                    Args(l, 1, 1);
                    pushRemove.Add(l.Arg(0));
                    if (l.Arg(0) == "ifconfig")
                    {
                        ifconfigBlocked = true;
                    }
                    else if (l.Arg(0) == "ifconfig-ipv6")
                    {
                        ifconfigIpv6Blocked = true;
                    }
                    else
                    {
                        operations.Add(('-', l.Arg(0)));
                    }

                    break;
                case "disable":
                    Args(l, 0, 0);
                    disable = true;
                    break;
                case "ifconfig-ipv6-push":
                    Args(l, 1, 2);
                    ifconfigIpv6Push = ParseIfconfigIpv6Push(l);
                    ifconfigIpv6Blocked = false;
                    break;
                case "iroute-ipv6":
                    Args(l, 1, 1);
                    IPNetwork network = ParseState.Ipv6Network(l, 0, out bool masked);
                    if (masked)
                    {
                        warnings.Add(l.Warning($"'{l.Arg(0)}' has host bits set; using the network {network}"));
                    }

                    iroutesIpv6.Add(network);
                    break;
                default:
                    if (OptionTable.All.ContainsKey(l.Name))
                    {
                        warnings.Add(l.Warning("is not supported in a client-config-dir file by SharpVPN and is ignored"));
                        break;
                    }

                    throw new ConfigException(l.SourceName, l.LineNumber, null, $"unknown option '{l.Name}'");
            }
        }

        return new ClientConfigDirEntry
        {
            CommonName = commonName,
            SourceName = sourceName,
            IfconfigPush = ifconfigPush,
            IRoutes = iroutes,
            IfconfigIpv6Push = ifconfigIpv6Push,
            IRoutesIpv6 = iroutesIpv6,
            Pushes = pushes,
            PushReset = pushReset,
            PushRemove = pushRemove,
            Disable = disable,
            Warnings = warnings,
            IfconfigPushBlocked = ifconfigBlocked,
            IfconfigIpv6PushBlocked = ifconfigIpv6Blocked,
            PushOperations = operations,
        };
    }

    /// <summary>
    /// <c>ifconfig-ipv6-push ADDR/BITS [REMOTE]</c> (options.c): a unicast address with a prefix of 0..128; without
    /// REMOTE, OpenVPN uses the server's own tun address (the runtime fills that in).
    /// </summary>
    private static IfconfigIpv6Push ParseIfconfigIpv6Push(ConfigLine l)
    {
        (IPAddress local, int bits) = ParseState.Ipv6WithPrefix(l, 0, "address", "ADDR/BITS");
        if (local.IsIPv6Multicast || local.Equals(IPAddress.IPv6Any) || local.Equals(IPAddress.IPv6Loopback))
        {
            throw l.Error($"'{l.Arg(0)}' is not a usable client address (unicast)");
        }

        IPAddress? remote = l.ArgCount > 1 ? ParseState.Ipv6Address(l, 1) : null;
        return new IfconfigIpv6Push(local, bits, remote);
    }

    internal static bool IsSafeFileName(string name) =>
        name.Length > 0 && name != "." && name != ".." && !name.Contains('/', StringComparison.Ordinal) && !name.Contains('\0', StringComparison.Ordinal);

    private static void Args(ConfigLine l, int min, int max)
    {
        if (l.IsInline)
        {
            throw l.Error("cannot be given as an inline block");
        }

        if (l.ArgCount < min)
        {
            throw l.Error(min == 1 ? "missing argument" : $"expects at least {min} arguments, got {l.ArgCount}");
        }

        if (l.ArgCount > max)
        {
            throw l.Error($"expects at most {max} argument(s), got {l.ArgCount}");
        }
    }
}
