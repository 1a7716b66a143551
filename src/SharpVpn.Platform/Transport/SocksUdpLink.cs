using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Platform.Transport;

/// <summary>
/// OpenVPN over UDP through a SOCKS5 proxy's UDP relay (RFC 1928 section 7, OpenVPN socks.c): each datagram to the
/// relay starts with the header RSV(2) FRAG ATYP DST.ADDR DST.PORT naming the server, each one back names its sender,
/// and the relay exists while the TCP connection that asked for it (UDP ASSOCIATE) stays open. Packets go one at a
/// time (no batching or offloads): a proxied tunnel is not the fast path.
/// </summary>
public sealed class SocksUdpLink : IPacketLink
{
    private readonly UdpTransport _relay;
    private readonly IDisposable _control;
    private readonly byte[] _header;
    private readonly byte[] _receiveBuffer;

    /// <param name="relay">A UDP socket connected to the proxy's relay.</param>
    /// <param name="control">The TCP connection that holds the association; closed with this link.</param>
    /// <param name="server">The OpenVPN server the relay forwards to.</param>
    public SocksUdpLink(UdpTransport relay, IDisposable control, IPEndPoint server, int maxPacketSize = 65536)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(server);
        _relay = relay;
        _control = control;
        Server = server;
        _header = Header(server);
        _receiveBuffer = new byte[maxPacketSize + 4 + 1 + 255 + 2];
    }

    /// <summary>The server the packets are for (the socket itself talks to the relay).</summary>
    public IPEndPoint Server { get; }

    public IPEndPoint Relay => _relay.RemoteEndPoint!;

    public bool IsStream => false;

    /// <summary>Blocks for the next datagram from the relay and copies its payload; fragments and bad headers are dropped.</summary>
    public int Receive(Span<byte> buffer)
    {
        while (true)
        {
            int n = _relay.Receive(_receiveBuffer);
            if (n == 0)
            {
                return 0;
            }

            int headerLength = HeaderLength(_receiveBuffer.AsSpan(0, n));
            // FRAG != 0 is a fragment of a datagram, which OpenVPN never sends; the relay should not either.
            if (headerLength < 0 || _receiveBuffer[2] != 0 || n - headerLength > buffer.Length)
            {
                continue;
            }

            _receiveBuffer.AsSpan(headerLength, n - headerLength).CopyTo(buffer);
            return n - headerLength;
        }
    }

    /// <summary>Sends one packet to the server through the relay (any thread: the header is put in a pooled buffer).</summary>
    public bool Send(ReadOnlySpan<byte> packet)
    {
        byte[] datagram = ArrayPool<byte>.Shared.Rent(_header.Length + packet.Length);
        try
        {
            _header.CopyTo(datagram, 0);
            packet.CopyTo(datagram.AsSpan(_header.Length));
            return _relay.Send(datagram.AsSpan(0, _header.Length + packet.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(datagram);
        }
    }

    /// <summary>RSV RSV FRAG=0 ATYP ADDR PORT for <paramref name="server"/>.</summary>
    public static byte[] Header(IPEndPoint server)
    {
        ArgumentNullException.ThrowIfNull(server);
        IPAddress address = server.Address.IsIPv4MappedToIPv6 ? server.Address.MapToIPv4() : server.Address;
        byte[] raw = address.GetAddressBytes();
        var header = new byte[4 + raw.Length + 2];
        header[3] = address.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4;
        raw.CopyTo(header, 4);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4 + raw.Length), (ushort)server.Port);
        return header;
    }

    /// <summary>The length of a received datagram's SOCKS header, or -1 when it is malformed or truncated.</summary>
    public static int HeaderLength(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < 4)
        {
            return -1;
        }

        int length = datagram[3] switch
        {
            1 => 4 + 4 + 2,
            4 => 4 + 16 + 2,
            3 when datagram.Length > 4 => 4 + 1 + datagram[4] + 2,
            _ => -1,
        };
        return length <= datagram.Length ? length : -1;
    }

    public void Dispose()
    {
        _relay.Dispose();
        _control.Dispose();
    }
}
