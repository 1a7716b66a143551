using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SharpVpn.Platform.Network;

namespace SharpVpn.Platform.Firewall;

/// <summary>
/// The server's forwarding, NAT and firewall setup, in an nftables table of SharpVPN's own
/// ("ip sharpvpn" or "ip sharpvpn_&lt;instance&gt;"). <see cref="Apply"/> replaces that table atomically
/// in one <c>nft -f</c> transaction ("table X; delete table X; table X {...}"), so restarts never
/// duplicate rules and a failure leaves the previous state; <see cref="Remove"/> deletes only that
/// table. Every chain has policy accept, so a mistake here can never lock anyone out of the host.
/// Tables that are not ours are never read or changed. Note that an accept in our chains does not
/// override a drop in an admin's own table at the same hook (nftables evaluates every base chain).
///
/// net.ipv4.ip_forward: the value before we changed it is kept in memory and in the table's comment,
/// so even after a crash the next clean shutdown restores it — unless another SharpVPN table still
/// exists (another instance still needs forwarding).
/// </summary>
public sealed partial class NatFirewall : IDisposable
{
    public const string TablePrefix = "sharpvpn";
    private const string ForwardSysctl = "net.ipv4.ip_forward";

    private readonly NatFirewallOptions _options;
    private readonly CommandRunner _runner;
    private readonly Action<string> _log;
    private string? _previousForwarding;
    private bool _applied;

    public NatFirewall(NatFirewallOptions options, CommandRunner? runner = null, Action<string>? log = null)
    {
        _options = options;
        _runner = runner ?? CommandRunner.Host;
        _log = log ?? (_ => { });
        if (options.Pool.BaseAddress.AddressFamily != AddressFamily.InterNetwork)
        {
            throw new ArgumentException($"NAT pool {options.Pool} must be IPv4 (table family ip).", nameof(options));
        }
        if (options.Protocol is not ("udp" or "tcp"))
        {
            throw new ArgumentException($"Firewall protocol '{options.Protocol}' must be udp or tcp.", nameof(options));
        }
        if (options.Port is int port && port is < 1 or > 65535)
        {
            throw new ArgumentException($"Firewall port {port} is outside 1..65535.", nameof(options));
        }
        if (options.TunInterface is not null)
        {
            InterfaceName.Validate(options.TunInterface, "Tunnel interface");
        }
        TableName = TableNameFor(options.Instance);
    }

    /// <summary>Our table's name in family ip.</summary>
    public string TableName { get; }

    /// <summary>The interfaces masqueraded out of, once <see cref="Apply"/> resolved them; empty before.</summary>
    public IReadOnlyList<string> OutInterfaces { get; private set; } = [];

    /// <summary>"sharpvpn" or "sharpvpn_&lt;instance&gt;" (instance reduced to letters, digits and '_').</summary>
    public static string TableNameFor(string? instance)
    {
        if (string.IsNullOrEmpty(instance))
        {
            return TablePrefix;
        }
        var sb = new StringBuilder(TablePrefix).Append('_');
        foreach (char c in instance)
        {
            sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>Turns on forwarding and (re)creates our table. Safe to call again: the table is replaced, never duplicated.</summary>
    public void Apply()
    {
        if (_options.Masquerade)
        {
            OutInterfaces = ResolveOutInterfaces();
        }
        if (_options.EnableForwarding)
        {
            string current = ReadForwarding();
            // A leftover table from a crashed run, or another instance that turned forwarding on,
            // remembers the value from before SharpVPN touched it.
            string? remembered = _previousForwarding ?? ReadRememberedForwarding(TableName);
            foreach (string other in remembered is null ? OtherSharpVpnTables() : [])
            {
                remembered ??= ReadRememberedForwarding(other);
            }
            if (current != "1")
            {
                _runner.RunChecked("sysctl", ["-q", "-w", ForwardSysctl + "=1"]);
                _log($"Enabled IP forwarding ({ForwardSysctl} was {current}).");
                remembered ??= current;
            }
            _previousForwarding = remembered;
        }
        _runner.RunChecked("nft", ["-f", "-"], BuildScript());
        _applied = true;
        _log($"nftables table ip {TableName} installed" +
            (_options.Masquerade ? $": masquerading {_options.Pool} out of {string.Join(", ", OutInterfaces)}" : "") +
            (_options.Port is int p ? $", accepting {_options.Protocol} port {p}" : "") + ".");
    }

    /// <summary>Deletes our table (if present) and restores ip_forward if we turned it on and no other SharpVPN table remains.</summary>
    public void Remove()
    {
        string? remembered = _previousForwarding ?? ReadRememberedForwarding(TableName);
        _runner.RunChecked("nft", ["-f", "-"], $"table ip {TableName}\ndelete table ip {TableName}\n");
        if (_applied)
        {
            _log($"nftables table ip {TableName} removed.");
        }
        _applied = false;
        if (_options.EnableForwarding && remembered is not null && remembered != "1")
        {
            List<string> others = OtherSharpVpnTables();
            if (others.Count > 0)
            {
                _log($"Leaving {ForwardSysctl} on: {string.Join(", ", others)} still in use.");
            }
            else
            {
                _runner.RunChecked("sysctl", ["-q", "-w", $"{ForwardSysctl}={remembered}"]);
                _log($"Restored {ForwardSysctl}={remembered}.");
            }
        }
        _previousForwarding = null;
    }

    /// <summary>Same as <see cref="Remove"/>, but only if <see cref="Apply"/> ran; errors are logged, not thrown.</summary>
    public void Dispose()
    {
        if (!_applied)
        {
            return;
        }
        try
        {
            Remove();
        }
        catch (Exception ex) when (ex is PlatformCommandException or IOException or TimeoutException or InvalidOperationException)
        {
            _log($"Removing nftables table ip {TableName} failed: {ex.Message}");
        }
    }

    /// <summary>The nft script Apply runs (one atomic transaction).</summary>
    public string BuildScript()
    {
        string pool = _options.Pool.ToString();
        string? tun = _options.TunInterface;
        var sb = new StringBuilder();
        sb.Append("table ip ").Append(TableName).Append('\n');
        sb.Append("delete table ip ").Append(TableName).Append('\n');
        sb.Append("table ip ").Append(TableName).Append(" {\n");
        sb.Append("\tcomment \"sharpvpn: ip_forward was ").Append(_previousForwarding ?? "unchanged").Append("\"\n");
        if (_options.Masquerade)
        {
            sb.Append("\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
            string oifname = OutInterfaces.Count == 1
                ? $"\"{OutInterfaces[0]}\""
                : "{ " + string.Join(", ", OutInterfaces.Select(i => $"\"{i}\"")) + " }";
            sb.Append("\t\tip saddr ").Append(pool).Append(" oifname ").Append(oifname).Append(" masquerade\n\t}\n");
        }
        if (_options.Port is int port)
        {
            sb.Append("\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n");
            sb.Append("\t\t").Append(_options.Protocol).Append(" dport ").Append(port.ToString(CultureInfo.InvariantCulture)).Append(" accept\n\t}\n");
        }
        sb.Append("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n");
        sb.Append("\t\t").Append(tun is null ? "" : $"iifname \"{tun}\" ").Append("ip saddr ").Append(pool).Append(" accept\n");
        sb.Append("\t\t").Append(tun is null ? "" : $"oifname \"{tun}\" ").Append("ip daddr ").Append(pool).Append(" ct state established,related accept\n\t}\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>The interface of the IPv4 default route (<c>ip -j -4 route show default</c>).</summary>
    public static string DefaultRouteInterface(CommandRunner runner)
    {
        string json = runner.RunChecked("ip", ["-j", "-4", "route", "show", "default"]);
        using JsonDocument doc = JsonDocument.Parse(json.Length == 0 ? "[]" : json);
        foreach (JsonElement route in doc.RootElement.EnumerateArray())
        {
            if (route.TryGetProperty("dev", out JsonElement dev) && dev.GetString() is string name && InterfaceName.IsValid(name))
            {
                return name;
            }
        }
        throw new InvalidOperationException("nat-masquerade auto: there is no IPv4 default route to take the outgoing interface from; name the interface instead (e.g. nat-masquerade eth0).");
    }

    private List<string> ResolveOutInterfaces()
    {
        IReadOnlyList<string>? configured = _options.OutInterfaces;
        return configured is null || configured.Count == 0 || configured is ["auto"]
            ? [DefaultRouteInterface(_runner)]
            : [.. configured.Select(i => InterfaceName.Validate(i, "NAT outgoing interface"))];
    }

    private string ReadForwarding() => _runner.RunChecked("sysctl", ["-n", ForwardSysctl]).Trim();

    private string? ReadRememberedForwarding(string table)
    {
        CommandResult result = _runner.Run("nft", ["list", "table", "ip", table]);
        if (!result.Succeeded)
        {
            return null;
        }
        Match m = RememberedPattern().Match(result.StandardOutput);
        return m.Success ? m.Groups[1].Value : null;
    }

    private List<string> OtherSharpVpnTables()
    {
        string json = _runner.RunChecked("nft", ["-j", "list", "tables"]);
        var names = new List<string>();
        using JsonDocument doc = JsonDocument.Parse(json);
        foreach (JsonElement item in doc.RootElement.GetProperty("nftables").EnumerateArray())
        {
            if (item.TryGetProperty("table", out JsonElement table)
                && table.GetProperty("name").GetString() is string name
                && name != TableName
                && (name == TablePrefix || name.StartsWith(TablePrefix + "_", StringComparison.Ordinal)))
            {
                names.Add(name);
            }
        }
        return names;
    }

    [GeneratedRegex("comment \"sharpvpn: ip_forward was ([0-9])\"")]
    private static partial Regex RememberedPattern();
}
