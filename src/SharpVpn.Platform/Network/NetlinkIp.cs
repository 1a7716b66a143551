using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Platform.Network;

/// <summary>
/// Carries out the few <c>ip</c> commands <see cref="NetworkConfigurator"/> issues directly over rtnetlink, with the
/// same requests iproute2 sends (ip/iplink.c, ip/ipaddress.c, ip/iproute.c) and an ip-like result, so the undo list,
/// the "File exists"/"gone" checks and the error text stay the same whichever way a command ran. Takes microseconds
/// where an <c>ip</c> process takes milliseconds. Family headers (include/uapi/linux/rtnetlink.h, if_addr.h):
/// <code>
///  ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }              16 bytes
///  ifaddrmsg { u8 family; u8 prefixlen; u8 flags; u8 scope; u32 index; }                      8 bytes
///  rtmsg     { u8 family, dst_len, src_len, tos, table, protocol, scope, type; u32 flags; }   12 bytes
/// </code>
/// </summary>
internal sealed class NetlinkIp(RtNetlink socket)
{
    private const ushort IFLA_IFNAME = 3;
    private const ushort IFLA_MTU = 4;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;
    private const ushort RTA_DST = 1;
    private const ushort RTA_OIF = 4;
    private const ushort RTA_GATEWAY = 5;
    private const ushort RTA_PRIORITY = 6;
    private const ushort RTA_PREFSRC = 7;
    private const uint IFF_UP = 0x1;
    private const byte RT_TABLE_MAIN = 254;
    private const byte RTPROT_BOOT = 3;
    private const byte RT_SCOPE_UNIVERSE = 0;
    private const byte RT_SCOPE_LINK = 253;
    private const byte RT_SCOPE_NOWHERE = 255;
    private const byte RTN_UNICAST = 1;

    private static readonly string[] s_routeTypes =
        ["unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole", "unreachable", "prohibit", "throw", "nat", "xresolve"];

    /// <summary>
    /// Runs one of: <c>link set dev D mtu N</c>, <c>link set dev D up</c>, <c>addr add|del A/len dev D</c>,
    /// <c>addr add|del local L peer P dev D</c>, <c>route add|del NET [via GW] [dev D] [metric M]</c>.
    /// Returns exit code 0, or 2 with "RTNETLINK answers: reason" (iproute2's wording) in standard error.
    /// </summary>
    public CommandResult Execute(IReadOnlyList<string> args)
    {
        Dictionary<string, string> options = Options(args, 2);
        string? device = options.GetValueOrDefault("dev");
        int index = 0;
        if (device is not null)
        {
            int error = IndexOf(device, out index);
            if (error != 0)
            {
                return error == LibC.ENODEV ? Failed($"Cannot find device \"{device}\"") : Failed(error, null);
            }
        }
        return (args[0], args[1]) switch
        {
            ("link", "set") => SetLink(index, options),
            ("addr", "add" or "del") => Address(args[1] == "add", index, args, options),
            ("route", "add" or "del") => Route(args[1] == "add", index, IPNetwork.Parse(args[2]), options),
            _ => throw new InvalidOperationException($"'ip {string.Join(' ', args)}' has no netlink translation."),
        };
    }

    /// <summary><c>ip route get A</c>: RTM_GETROUTE with RTA_DST; throws with the kernel's reason when there is no route.</summary>
    public RouteInfo GetRoute(IPAddress destination)
    {
        byte[] dst = destination.GetAddressBytes();
        Span<byte> rtm = stackalloc byte[12];
        rtm.Clear();
        rtm[0] = Family(destination);
        rtm[1] = (byte)(dst.Length * 8);
        var message = new NetlinkMessage(RtNetlink.RTM_GETROUTE, 0, rtm).Attribute(RTA_DST, dst);
        IPAddress? gateway = null, source = null;
        int oif = 0;
        string type = "unicast";
        int error = socket.Request(message, out string? reason, (kind, payload) =>
        {
            if (kind != RtNetlink.RTM_NEWROUTE || payload.Length < 12)
            {
                return;
            }
            type = payload[7] < s_routeTypes.Length ? s_routeTypes[payload[7]] : payload[7].ToString(CultureInfo.InvariantCulture);
            RtNetlink.ForEachAttribute(payload[12..], (attr, data) =>
            {
                switch (attr)
                {
                    case RTA_GATEWAY: gateway = new IPAddress(data); break;
                    case RTA_PREFSRC: source = new IPAddress(data); break;
                    case RTA_OIF: oif = BinaryPrimitives.ReadInt32LittleEndian(data); break;
                }
            });
        });
        if (error != 0)
        {
            throw new InvalidOperationException($"No route to {destination}: {Reason(error, reason)}.");
        }
        string device = "";
        if (oif != 0 && NameOf(oif, out string? name) == 0)
        {
            device = name!;
        }
        return new RouteInfo(destination, gateway, device, source, type);
    }

    private CommandResult SetLink(int index, Dictionary<string, string> options)
    {
        Span<byte> ifi = stackalloc byte[16];
        ifi.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], index);
        if (options.ContainsKey("up"))
        {
            BinaryPrimitives.WriteUInt32LittleEndian(ifi[8..], IFF_UP);
            BinaryPrimitives.WriteUInt32LittleEndian(ifi[12..], IFF_UP);
        }
        var message = new NetlinkMessage(RtNetlink.RTM_NEWLINK, 0, ifi);
        if (options.TryGetValue("mtu", out string? mtu))
        {
            message.Attribute(IFLA_MTU, uint.Parse(mtu, CultureInfo.InvariantCulture));
        }
        return Send(message);
    }

    private CommandResult Address(bool add, int index, IReadOnlyList<string> args, Dictionary<string, string> options)
    {
        IPAddress local;
        IPAddress address;
        int prefix;
        if (options.TryGetValue("local", out string? l))
        {
            local = IPAddress.Parse(l);
            address = IPAddress.Parse(options["peer"]);
            prefix = local.GetAddressBytes().Length * 8;
        }
        else
        {
            var net = IPNetworkWithHost.Parse(args[2]);
            local = address = net.Address;
            prefix = net.PrefixLength;
        }
        Span<byte> ifa = stackalloc byte[8];
        ifa.Clear();
        ifa[0] = Family(local);
        ifa[1] = (byte)prefix;
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], index);
        var message = new NetlinkMessage(add ? RtNetlink.RTM_NEWADDR : RtNetlink.RTM_DELADDR,
                add ? (ushort)(RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL) : (ushort)0, ifa)
            .Attribute(IFA_LOCAL, local.GetAddressBytes())
            .Attribute(IFA_ADDRESS, address.GetAddressBytes());
        return Send(message);
    }

    private CommandResult Route(bool add, int index, IPNetwork destination, Dictionary<string, string> options)
    {
        IPAddress? gateway = options.TryGetValue("via", out string? via) ? IPAddress.Parse(via) : null;
        Span<byte> rtm = stackalloc byte[12];
        rtm.Clear();
        rtm[0] = Family(destination.BaseAddress);
        rtm[1] = (byte)destination.PrefixLength;
        rtm[4] = RT_TABLE_MAIN;
        // As iproute2: a new route is boot/unicast, scope link when on-link; a delete matches any protocol and scope.
        rtm[5] = add ? RTPROT_BOOT : (byte)0;
        rtm[6] = add ? (gateway is null ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE) : RT_SCOPE_NOWHERE;
        rtm[7] = add ? RTN_UNICAST : (byte)0;
        var message = new NetlinkMessage(add ? RtNetlink.RTM_NEWROUTE : RtNetlink.RTM_DELROUTE,
                add ? (ushort)(RtNetlink.NLM_F_CREATE | RtNetlink.NLM_F_EXCL) : (ushort)0, rtm)
            .Attribute(RTA_DST, destination.BaseAddress.GetAddressBytes());
        if (gateway is not null)
        {
            message.Attribute(RTA_GATEWAY, gateway.GetAddressBytes());
        }
        if (index != 0)
        {
            message.Attribute(RTA_OIF, (uint)index);
        }
        if (options.TryGetValue("metric", out string? metric))
        {
            message.Attribute(RTA_PRIORITY, uint.Parse(metric, CultureInfo.InvariantCulture));
        }
        return Send(message);
    }

    /// <summary>RTM_GETLINK by IFLA_IFNAME: the interface index, or ENODEV.</summary>
    private int IndexOf(string device, out int index)
    {
        Span<byte> ifi = stackalloc byte[16];
        ifi.Clear();
        int found = 0;
        int error = socket.Request(new NetlinkMessage(RtNetlink.RTM_GETLINK, 0, ifi).Attribute(IFLA_IFNAME, device), out _, (kind, payload) =>
        {
            if (kind == RtNetlink.RTM_NEWLINK && payload.Length >= 16)
            {
                found = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
            }
        });
        index = found;
        return error != 0 ? error : found == 0 ? LibC.ENODEV : 0;
    }

    /// <summary>RTM_GETLINK by index: the interface's name (if_indextoname, but in the socket's namespace).</summary>
    private int NameOf(int index, out string? name)
    {
        Span<byte> ifi = stackalloc byte[16];
        ifi.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], index);
        string? found = null;
        int error = socket.Request(new NetlinkMessage(RtNetlink.RTM_GETLINK, 0, ifi), out _, (kind, payload) =>
        {
            if (kind == RtNetlink.RTM_NEWLINK && payload.Length >= 16)
            {
                RtNetlink.ForEachAttribute(payload[16..], (attr, data) =>
                {
                    if (attr == IFLA_IFNAME)
                    {
                        int end = data.IndexOf((byte)0);
                        found = System.Text.Encoding.UTF8.GetString(end >= 0 ? data[..end] : data);
                    }
                });
            }
        });
        name = found;
        return error != 0 ? error : found is null ? LibC.ENODEV : 0;
    }

    private CommandResult Send(NetlinkMessage message)
    {
        int error = socket.Request(message, out string? reason);
        return error == 0 ? new CommandResult(0, "", "") : Failed(error, reason);
    }

    private static CommandResult Failed(int errno, string? reason) => Failed("RTNETLINK answers: " + Reason(errno, reason));

    private static CommandResult Failed(string stderr) => new(2, "", stderr + "\n");

    private static string Reason(int errno, string? kernelMessage) =>
        LibC.StrError(errno) + (string.IsNullOrEmpty(kernelMessage) ? "" : $" ({kernelMessage.TrimEnd('.')})");

    private static byte Family(IPAddress address) =>
        (byte)Transport.SocketCalls.Family(address.AddressFamily);

    /// <summary>The "key value" pairs (and lone flags such as "up") after the first <paramref name="skip"/> words.</summary>
    private static Dictionary<string, string> Options(IReadOnlyList<string> args, int skip)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = skip; i < args.Count; i++)
        {
            if (args[i] is "dev" or "mtu" or "via" or "metric" or "local" or "peer" && i + 1 < args.Count)
            {
                options[args[i]] = args[++i];
            }
            else if (args[i] == "up")
            {
                options["up"] = "";
            }
        }
        return options;
    }

    /// <summary>"A/len" where A may have host bits set (an interface address, unlike IPNetwork).</summary>
    private readonly record struct IPNetworkWithHost(IPAddress Address, int PrefixLength)
    {
        public static IPNetworkWithHost Parse(string cidr)
        {
            int slash = cidr.IndexOf('/', StringComparison.Ordinal);
            return new IPNetworkWithHost(IPAddress.Parse(cidr[..slash]), int.Parse(cidr[(slash + 1)..], CultureInfo.InvariantCulture));
        }
    }
}
