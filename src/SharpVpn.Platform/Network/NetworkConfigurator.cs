using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace SharpVpn.Platform.Network;

/// <summary>
/// Configures one tunnel interface (addresses, MTU, link up, routes, redirect-gateway, DNS) and remembers
/// everything it added, so <see cref="Dispose"/> removes exactly that, newest first, and nothing else.
/// Addresses, link and routes go over rtnetlink as the equivalent <c>ip</c> command would (microseconds instead
/// of an <c>ip</c> process of several milliseconds each, which delayed the client's handshake); only when the
/// netlink socket is refused (EPERM, no AF_NETLINK) does it run <c>ip</c> instead. With a namespace
/// <see cref="CommandRunner"/> the netlink socket is opened inside that namespace.
/// </summary>
public sealed class NetworkConfigurator : IDisposable
{
    private readonly CommandRunner _runner;
    private readonly List<Undo> _undo = [];
    private readonly Lock _lock = new();
    private readonly Lock _netlinkLock = new();
    private bool _disposed;
    private bool _netlinkTried;
    private RtNetlink? _socket;
    private NetlinkIp? _netlink;

    public NetworkConfigurator(string device, CommandRunner? runner = null, Action<string>? log = null)
    {
        Device = InterfaceName.Validate(device, "Tunnel device");
        _runner = runner ?? CommandRunner.Host;
        Log = log ?? (_ => { });
    }

    /// <summary>The tunnel interface this instance configures.</summary>
    public string Device { get; }

    /// <summary>Receives one line per notable event (route already present, DNS not applied, cleanup failure).</summary>
    public Action<string> Log { get; set; }

    /// <summary><c>ip addr add A/len dev X</c> (topology subnet). Removed on dispose.</summary>
    public void SetAddress(IPAddress address, int prefixLength)
    {
        CheckPrefix(address, prefixLength);
        string cidr = $"{address}/{prefixLength}";
        Ip(["addr", "add", cidr, "dev", Device]);
        Remember(["addr", "del", cidr, "dev", Device]);
    }

    /// <summary><c>ip addr add local L peer P dev X</c> (topology net30 / p2p). Removed on dispose.</summary>
    public void SetPointToPointAddress(IPAddress local, IPAddress peer)
    {
        Ip(["addr", "add", "local", local.ToString(), "peer", peer.ToString(), "dev", Device]);
        Remember(["addr", "del", "local", local.ToString(), "peer", peer.ToString(), "dev", Device]);
    }

    /// <summary><c>ip link set dev X mtu N</c>.</summary>
    public void SetMtu(int mtu)
    {
        if (mtu is < 68 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, $"MTU {mtu} for {Device} is outside 68..65535.");
        }
        Ip(["link", "set", "dev", Device, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
    }

    /// <summary><c>ip link set dev X up</c>.</summary>
    public void Up() => Ip(["link", "set", "dev", Device, "up"]);

    /// <summary>
    /// <c>ip route add NET/len [via GW] dev X [metric M]</c> on the tunnel device. Returns false (and logs)
    /// when the same route already exists: it is then not ours and is not removed on dispose.
    /// </summary>
    public bool AddRoute(IPNetwork destination, IPAddress? gateway = null, int? metric = null) =>
        AddRouteOn(destination, gateway, Device, metric);

    /// <summary>Adds a route on another device (the host route that keeps the VPN server outside the tunnel).</summary>
    public bool AddRouteOn(IPNetwork destination, IPAddress? gateway, string device, int? metric = null)
    {
        InterfaceName.Validate(device, "Route device");
        List<string> args = ["route", "add", destination.ToString()];
        if (gateway is not null)
        {
            args.Add("via");
            args.Add(gateway.ToString());
        }
        args.Add("dev");
        args.Add(device);
        if (metric is int m)
        {
            args.Add("metric");
            args.Add(m.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        CommandResult result = RunIp(args);
        if (!result.Succeeded)
        {
            if (result.StandardError.Contains("File exists", StringComparison.Ordinal))
            {
                Log($"Route {destination} {(gateway is null ? "" : $"via {gateway} ")}dev {device} already exists; leaving it as it is.");
                return false;
            }
            throw Failure(args, result);
        }
        args[1] = "del";
        Remember(args);
        return true;
    }

    /// <summary>Removes a route this instance added earlier (and forgets it). Unknown routes are deleted as asked.</summary>
    public void RemoveRoute(IPNetwork destination, IPAddress? gateway = null)
    {
        string net = destination.ToString();
        lock (_lock)
        {
            int index = _undo.FindLastIndex(u => u.Args.Count > 2 && u.Args[0] == "route" && u.Args[2] == net
                && (gateway is null || u.Args.Contains(gateway.ToString())));
            if (index >= 0)
            {
                List<string> args = _undo[index].Args;
                _undo.RemoveAt(index);
                Ip(args);
                return;
            }
        }
        List<string> del = ["route", "del", net];
        if (gateway is not null)
        {
            del.Add("via");
            del.Add(gateway.ToString());
        }
        Ip(del);
    }

    /// <summary>How the kernel reaches <paramref name="destination"/> now (<c>ip -j route get</c>).</summary>
    public RouteInfo GetRoute(IPAddress destination)
    {
        lock (_netlinkLock)
        {
            if (Netlink() is NetlinkIp netlink)
            {
                return netlink.GetRoute(destination);
            }
        }
        string json = _runner.RunChecked("ip", ["-j", "route", "get", destination.ToString()]);
        using JsonDocument doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0)
        {
            throw new InvalidOperationException($"'ip -j route get {destination}' returned no route.");
        }
        JsonElement r = doc.RootElement[0];
        return new RouteInfo(
            destination,
            r.TryGetProperty("gateway", out JsonElement gw) && IPAddress.TryParse(gw.GetString(), out IPAddress? g) ? g : null,
            r.TryGetProperty("dev", out JsonElement dev) ? dev.GetString() ?? "" : "",
            r.TryGetProperty("prefsrc", out JsonElement src) && IPAddress.TryParse(src.GetString(), out IPAddress? s) ? s : null,
            r.TryGetProperty("type", out JsonElement type) ? type.GetString() ?? "unicast" : "unicast");
    }

    /// <summary>
    /// <c>redirect-gateway def1</c>: first a host route to the VPN server through the route it uses now
    /// (so the tunnel's own packets never enter the tunnel; TunnelVision/TunnelCrack), then
    /// 0.0.0.0/1 and 128.0.0.0/1 into the tunnel, which win over the default route without replacing it.
    /// Call after the tunnel is up. Everything is removed on dispose.
    /// </summary>
    public void RedirectGatewayDef1(IPAddress vpnServer, IPAddress? tunnelGateway = null)
    {
        if (vpnServer.IsIPv4MappedToIPv6)
        {
            vpnServer = vpnServer.MapToIPv4();
        }
        KeepOutsideTunnel(vpnServer);
        AddRoute(IPNetwork.Parse("0.0.0.0/1"), tunnelGateway);
        AddRoute(IPNetwork.Parse("128.0.0.0/1"), tunnelGateway);
    }

    /// <summary>
    /// <c>redirect-gateway ipv6</c>: OpenVPN's four routes into the tunnel that cover all global and unique-local IPv6
    /// (init.c: ::/3, 2000::/4, 3000::/4, fc00::/7), an IPv6 VPN server first kept on its current route as for IPv4.
    /// Call after the tunnel has its IPv6 address. Everything is removed on dispose.
    /// </summary>
    public void RedirectGatewayIpv6(IPAddress vpnServer, int? metric = null)
    {
        if (vpnServer.AddressFamily == AddressFamily.InterNetworkV6 && !vpnServer.IsIPv4MappedToIPv6)
        {
            KeepOutsideTunnel(vpnServer);
        }
        foreach (string prefix in RedirectIpv6Prefixes)
        {
            AddRoute(IPNetwork.Parse(prefix), null, metric);
        }
    }

    /// <summary>The prefixes <see cref="RedirectGatewayIpv6"/> routes into the tunnel.</summary>
    public static IReadOnlyList<string> RedirectIpv6Prefixes { get; } = ["::/3", "2000::/4", "3000::/4", "fc00::/7"];

    /// <summary>A host route for the VPN server through its current route, so the tunnel's own packets stay out of it.</summary>
    private void KeepOutsideTunnel(IPAddress vpnServer)
    {
        RouteInfo current = GetRoute(vpnServer);
        if (current.IsLocal || IPAddress.IsLoopback(vpnServer))
        {
            Log($"VPN server {vpnServer} is a local address; no host route needed.");
        }
        else if (current.Device == Device)
        {
            throw new InvalidOperationException(
                $"The route to the VPN server {vpnServer} already goes through {Device}; cannot keep the server outside the tunnel.");
        }
        else
        {
            int hostBits = vpnServer.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
            AddRouteOn(new IPNetwork(vpnServer, hostBits), current.Gateway, current.Device);
        }
    }

    /// <summary>
    /// Applies pushed <c>dhcp-option DNS/DOMAIN</c>: through resolvconf (<c>resolvconf -a DEV.sharpvpn</c>) when
    /// installed, else systemd-resolved's resolvectl when it runs. Returns a line for the log saying what happened
    /// (including "not applied" when neither exists). Reverted on dispose.
    /// </summary>
    public string ApplyDns(IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains)
    {
        if (servers.Count == 0 && searchDomains.Count == 0)
        {
            return "No DNS options pushed.";
        }
        foreach (string domain in searchDomains)
        {
            if (domain.Length == 0 || domain.Length > 253 || !domain.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            {
                throw new ArgumentException($"DNS search domain '{domain}' is not a valid domain name.", nameof(searchDomains));
            }
        }
        string list = string.Join(", ", servers);
        if (CommandRunner.FindProgram("resolvconf") is not null)
        {
            var sb = new StringBuilder();
            foreach (IPAddress server in servers)
            {
                sb.Append("nameserver ").Append(server).Append('\n');
            }
            if (searchDomains.Count > 0)
            {
                sb.Append("search ").AppendJoin(' ', searchDomains).Append('\n');
            }
            string record = Device + ".sharpvpn";
            _runner.RunChecked("resolvconf", ["-a", record, "-m", "0", "-x"], sb.ToString());
            lock (_lock)
            {
                _undo.Add(new Undo("resolvconf", ["-d", record, "-f"]));
            }
            return $"DNS {list} applied through resolvconf as {record}.";
        }
        if (CommandRunner.FindProgram("resolvectl") is not null && Directory.Exists("/run/systemd/resolve"))
        {
            if (servers.Count > 0)
            {
                _runner.RunChecked("resolvectl", ["dns", Device, .. servers.Select(s => s.ToString())]);
            }
            _runner.RunChecked("resolvectl", ["domain", Device, .. (searchDomains.Count > 0 ? searchDomains : ["~."])]);
            lock (_lock)
            {
                _undo.Add(new Undo("resolvectl", ["revert", Device]));
            }
            return $"DNS {list} applied to {Device} through systemd-resolved.";
        }
        return $"DNS servers pushed by the server ({list}) were not applied: neither resolvconf nor systemd-resolved is available; add them to /etc/resolv.conf yourself if needed.";
    }

    /// <summary>Removes, newest first, every address, route and DNS entry this instance added. Failures are logged, not thrown.</summary>
    public void Dispose()
    {
        List<Undo> undo;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            undo = [.. _undo];
            _undo.Clear();
        }
        for (int i = undo.Count - 1; i >= 0; i--)
        {
            try
            {
                CommandResult result = undo[i].Program == "ip" ? RunIp(undo[i].Args) : _runner.Run(undo[i].Program, undo[i].Args);
                // A route or address on a TUN device that is already gone went with the device.
                if (!result.Succeeded && !IsGone(result.StandardError))
                {
                    Log($"Cleanup '{undo[i].Program} {string.Join(' ', undo[i].Args)}' failed: {result.StandardError.Trim()}");
                }
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
            {
                Log($"Cleanup '{undo[i].Program} {string.Join(' ', undo[i].Args)}' failed: {ex.Message}");
            }
        }
        lock (_netlinkLock)
        {
            _socket?.Dispose();
            _socket = null;
            _netlink = null;
        }
    }

    /// <summary>Runs one of our <c>ip</c> commands over rtnetlink, or as an <c>ip</c> process after a fallback.</summary>
    private CommandResult RunIp(List<string> args)
    {
        lock (_netlinkLock)
        {
            if (Netlink() is NetlinkIp netlink)
            {
                CommandResult result = netlink.Execute(args);
                if (result.Succeeded || !IsRefused(result.StandardError))
                {
                    return result;
                }
                FallBack($"rtnetlink refused 'ip {string.Join(' ', args)}' ({result.StandardError.Trim()})");
            }
        }
        return _runner.Run("ip", args);
    }

    /// <summary>The netlink channel, opened on first use (inside the runner's namespace if it has one); null after a fallback.</summary>
    private NetlinkIp? Netlink()
    {
        if (_netlinkTried)
        {
            return _netlink;
        }
        _netlinkTried = true;
        RtNetlink? socket = null;
        int error;
        try
        {
            error = _runner.NetworkNamespace is string ns
                ? NetworkNamespace.Run(ns, () => RtNetlink.TryOpen(out socket))
                : RtNetlink.TryOpen(out socket);
        }
        catch (Exception ex) when (ex is IOException or ArgumentException)
        {
            FallBack($"cannot open an rtnetlink socket in namespace {_runner.NetworkNamespace} ({ex.Message})");
            return null;
        }
        if (error != 0)
        {
            FallBack($"cannot open an rtnetlink socket ({Interop.LibC.StrError(error)})");
            return null;
        }
        _socket = socket;
        _netlink = new NetlinkIp(socket!);
        return _netlink;
    }

    private void FallBack(string why)
    {
        _socket?.Dispose();
        _socket = null;
        _netlink = null;
        Log($"Configuring {Device}: {why}; using the ip command instead.");
    }

    private static bool IsRefused(string stderr) =>
        stderr.Contains(Interop.LibC.StrError(Interop.LibC.EPERM), StringComparison.Ordinal)
        || stderr.Contains(Interop.LibC.StrError(Interop.LibC.EOPNOTSUPP), StringComparison.Ordinal);

    private static bool IsGone(string stderr) =>
        stderr.Contains("Cannot find device", StringComparison.Ordinal)
        || stderr.Contains("No such process", StringComparison.Ordinal)
        || stderr.Contains("Cannot assign requested address", StringComparison.Ordinal);

    private void Ip(List<string> args)
    {
        CommandResult result = RunIp(args);
        if (!result.Succeeded)
        {
            throw Failure(args, result);
        }
    }

    private void Remember(List<string> args)
    {
        lock (_lock)
        {
            _undo.Add(new Undo("ip", args));
        }
    }

    private PlatformCommandException Failure(List<string> args, CommandResult result)
    {
        bool netlink;
        lock (_netlinkLock)
        {
            netlink = _netlink is not null;
        }
        string ns = _runner.NetworkNamespace is null ? "" : $"ip netns exec {_runner.NetworkNamespace} ";
        string commandLine = (netlink ? "" : ns) + "ip " + string.Join(' ', args);
        string how = netlink
            ? "failed over rtnetlink" + (_runner.NetworkNamespace is null ? "" : $" in namespace {_runner.NetworkNamespace}")
            : $"exited with {result.ExitCode}";
        return new PlatformCommandException(
            $"Configuring {Device} failed: '{commandLine}' {how}: {result.StandardError.Trim()}", commandLine, result);
    }

    private static void CheckPrefix(IPAddress address, int prefixLength)
    {
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (prefixLength < 0 || prefixLength > max)
        {
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"Prefix length {prefixLength} is invalid for {address}.");
        }
    }

    private sealed record Undo(string Program, List<string> Args);
}
