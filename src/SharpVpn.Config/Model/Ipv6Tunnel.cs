using System.Net;

namespace SharpVpn.Config;

/// <summary>
/// <c>ifconfig-ipv6 ADDR/BITS REMOTE</c> as an OpenVPN server with <c>server-ipv6</c> pushes it: our tunnel address and
/// its prefix (the remote end is only used by OpenVPN for p2p setups; a tun device is addressed with the prefix).
/// </summary>
public sealed record IfconfigIpv6Settings(IPAddress Local, int PrefixLength, IPAddress Remote)
{
    /// <summary>"ifconfig-ipv6 fd00::1000/64 fd00::1" as a server pushes it.</summary>
    public string ToPushOption() => $"ifconfig-ipv6 {Local}/{PrefixLength.ToString(System.Globalization.CultureInfo.InvariantCulture)} {Remote}";
}

/// <summary><c>route-ipv6 NET/BITS [GATEWAY] [METRIC]</c>: an IPv6 network reached through the tunnel.</summary>
public sealed record RouteIpv6(IPNetwork Network, IPAddress? Gateway, int? Metric);

/// <summary>
/// <c>server-ipv6 NET/BITS</c> (helper.c <c>helper_client_server</c>): the server's tun gets NET+1/BITS, and client i
/// of the pool gets <see cref="PoolBase"/>+i (the same index as its IPv4 pool entry), pushed as
/// <c>ifconfig-ipv6 ADDR/BITS NET+1</c>. The pool starts at NET+0x1000, or NET+2 for prefixes of /112 and longer.
/// </summary>
public sealed record ServerIpv6Settings
{
    public ServerIpv6Settings(IPNetwork network)
    {
        if (network.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || network.PrefixLength is < 64 or > 124)
        {
            throw new ArgumentException($"server-ipv6 needs an IPv6 network of /64 to /124, not {network}.", nameof(network));
        }

        Network = network;
        UInt128 net = Ipv6.ToUInt128(network.BaseAddress);
        ServerAddress = Ipv6.ToAddress(net + 1);
        UInt128 offset = network.PrefixLength < 112 ? 0x1000u : 2u;
        PoolBase = Ipv6.ToAddress(net + offset);
        UInt128 hosts = UInt128.One << (128 - network.PrefixLength);
        UInt128 available = hosts - offset - 1; // the last address is not handed out
        PoolSize = available > int.MaxValue ? int.MaxValue : (int)available;
    }

    public IPNetwork Network { get; }

    /// <summary>The server's own tun address (NET+1).</summary>
    public IPAddress ServerAddress { get; }

    /// <summary>Address of pool entry 0.</summary>
    public IPAddress PoolBase { get; }

    /// <summary>How many pool entries have an IPv6 address (clients beyond it get IPv4 only).</summary>
    public int PoolSize { get; }

    /// <summary>The IPv6 address of pool entry <paramref name="index"/>, or null past the IPv6 pool's end.</summary>
    public IPAddress? AddressFor(int index) =>
        index >= 0 && index < PoolSize ? Ipv6.ToAddress(Ipv6.ToUInt128(PoolBase) + (uint)index) : null;

    /// <summary>"ifconfig-ipv6 fd00::1000/64 fd00::1" as pushed to a client with <paramref name="address"/>.</summary>
    public string ToPushOption(IPAddress address) => new IfconfigIpv6Settings(address, Network.PrefixLength, ServerAddress).ToPushOption();
}

/// <summary><c>ifconfig-ipv6-push ADDR/BITS [REMOTE]</c> in a client-config-dir file: a fixed IPv6 tunnel address.</summary>
public sealed record IfconfigIpv6Push(IPAddress Local, int PrefixLength, IPAddress? Remote);

/// <summary>IPv6 addresses as 128-bit integers (network byte order), for pools and route tables.</summary>
public static class Ipv6
{
    public static UInt128 ToUInt128(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || !address.TryWriteBytes(bytes, out _))
        {
            throw new ArgumentException($"'{address}' is not an IPv6 address.", nameof(address));
        }

        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static IPAddress ToAddress(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    /// <summary>The mask of a /<paramref name="prefixLength"/> prefix.</summary>
    public static UInt128 Mask(int prefixLength) =>
        prefixLength <= 0 ? UInt128.Zero : UInt128.MaxValue << (128 - Math.Min(128, prefixLength));
}
