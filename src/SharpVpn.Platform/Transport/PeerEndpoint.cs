using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// A peer's address and port as a 24-byte value, made from the raw sockaddr bytes without
/// allocating, so the server can look a peer up from each datagram's <see cref="SocketAddress"/>.
/// IPv4 and IPv4-mapped IPv6 forms of the same address compare equal.
/// Layout read (Linux, include/uapi/linux/in.h, in6.h): sockaddr_in = family(2, host order) port(2, BE) addr(4);
/// sockaddr_in6 = family(2) port(2, BE) flowinfo(4) addr(16) scope_id(4).
/// </summary>
public readonly struct PeerEndpoint : IEquatable<PeerEndpoint>
{
    private const ushort AfInet = 2;
    private const ushort AfInet6 = 10;

    private readonly ulong _high; // address bytes 0..7 (IPv6 form; IPv4 is ::ffff:a.b.c.d)
    private readonly ulong _low;  // address bytes 8..15
    private readonly uint _scopeId;
    private readonly ushort _port;

    private PeerEndpoint(ulong high, ulong low, ushort port, uint scopeId)
    {
        _high = high;
        _low = low;
        _port = port;
        _scopeId = scopeId;
    }

    public int Port => _port;

    /// <summary>True if this is an IPv4 peer (including one seen as ::ffff:a.b.c.d on a dual-stack socket).</summary>
    public bool IsIPv4 => _high == 0 && (_low & 0xFFFF_FFFF_0000_0000UL) == 0x0000_FFFF_0000_0000UL;

    /// <summary>Reads the peer from a received sockaddr. Returns false for anything other than IPv4/IPv6.</summary>
    public static bool TryFrom(SocketAddress address, out PeerEndpoint endpoint)
    {
        ReadOnlySpan<byte> raw = address.Buffer.Span[..address.Size];
        return TryFrom(raw, out endpoint);
    }

    /// <summary>Reads the peer from raw Linux sockaddr_in / sockaddr_in6 bytes.</summary>
    public static bool TryFrom(ReadOnlySpan<byte> sockaddr, out PeerEndpoint endpoint)
    {
        endpoint = default;
        if (sockaddr.Length < 8)
        {
            return false;
        }
        ushort family = BitConverter.IsLittleEndian ? BinaryPrimitives.ReadUInt16LittleEndian(sockaddr) : BinaryPrimitives.ReadUInt16BigEndian(sockaddr);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..]);
        if (family == AfInet)
        {
            endpoint = new PeerEndpoint(0, 0x0000_FFFF_0000_0000UL | BinaryPrimitives.ReadUInt32BigEndian(sockaddr[4..]), port, 0);
            return true;
        }
        if (family == AfInet6 && sockaddr.Length >= 28)
        {
            endpoint = new PeerEndpoint(
                BinaryPrimitives.ReadUInt64BigEndian(sockaddr[8..]),
                BinaryPrimitives.ReadUInt64BigEndian(sockaddr[16..]),
                port,
                BinaryPrimitives.ReadUInt32LittleEndian(sockaddr[24..]));
            return true;
        }
        return false;
    }

    /// <summary>From an endpoint (allocation-free is not a goal here: use at setup, not per packet).</summary>
    public static PeerEndpoint From(IPEndPoint endPoint)
    {
        bool ok = TryFrom(endPoint.Serialize(), out PeerEndpoint peer);
        return ok ? peer : throw new ArgumentException($"{endPoint} is not an IPv4 or IPv6 endpoint.", nameof(endPoint));
    }

    /// <summary>The address as .NET sees it (IPv4 when it is one). Allocates: for logs and setup.</summary>
    public IPAddress Address
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt64BigEndian(bytes, _high);
            BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], _low);
            return IsIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes, _scopeId);
        }
    }

    public IPEndPoint ToIPEndPoint() => new(Address, _port);

    /// <summary>
    /// A sockaddr for sending to this peer from a socket of <paramref name="socketFamily"/>
    /// (IPv4 peers become ::ffff:a.b.c.d on an IPv6 dual-stack socket). Make it once per peer.
    /// </summary>
    public SocketAddress ToSocketAddress(AddressFamily socketFamily)
    {
        IPAddress address = Address;
        if (socketFamily == AddressFamily.InterNetworkV6 && address.AddressFamily == AddressFamily.InterNetwork)
        {
            address = address.MapToIPv6();
        }
        else if (socketFamily == AddressFamily.InterNetwork && address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"Cannot send to IPv6 peer {this} from an IPv4 socket.", nameof(socketFamily));
        }
        return new IPEndPoint(address, _port).Serialize();
    }

    public bool Equals(PeerEndpoint other) =>
        _high == other._high && _low == other._low && _port == other._port && _scopeId == other._scopeId;

    public override bool Equals(object? obj) => obj is PeerEndpoint other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_high, _low, _port, _scopeId);

    public static bool operator ==(PeerEndpoint left, PeerEndpoint right) => left.Equals(right);

    public static bool operator !=(PeerEndpoint left, PeerEndpoint right) => !left.Equals(right);

    /// <summary>"a.b.c.d:port" or "[v6]:port", as OpenVPN logs peers.</summary>
    public override string ToString() => IsIPv4 ? $"{Address}:{_port}" : $"[{Address}]:{_port}";
}
