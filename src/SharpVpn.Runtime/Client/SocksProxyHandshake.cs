using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using SharpVpn.Config;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The SOCKS5 exchange (RFC 1928, user name and password from RFC 1929) on a TCP connection already open to the
/// proxy, as OpenVPN's client does it (socks.c establish_socks_proxy_passthru): offer one method (none, or user name
/// and password when the config gives an auth file), log in, CONNECT to the server by name (the proxy resolves it;
/// an IP literal goes as an address), and read the reply exactly, so nothing of the server's stream is taken.
/// </summary>
public sealed class SocksProxyHandshake : ProxyHandshake
{
    private const byte Version = 5;
    private const byte NoAuthentication = 0;
    private const byte UsernamePassword = 2;
    private const byte NoAcceptableMethod = 0xFF;

    private readonly SocksProxySettings _settings;

    public SocksProxyHandshake(SocksProxySettings settings, Func<(string Username, string Password)> credentials)
        : base(credentials) => _settings = settings;

    /// <summary>Method choice, login, CONNECT and its reply; always true (a refusal throws).</summary>
    protected override bool Exchange(Stream stream, string host, int port)
    {
        LogInIfAsked(stream);
        stream.Write(ConnectRequest(host, port));
        ReadReply(stream);
        return true;
    }

    /// <summary>
    /// UDP ASSOCIATE (OpenVPN's establish_socks_proxy_udpassoc): the proxy's UDP relay for this client, which lives as
    /// long as <paramref name="socket"/> stays open. A relay address of 0.0.0.0 or :: means the proxy's own address.
    /// </summary>
    /// <exception cref="ProxyException">The proxy refused or answered nonsense.</exception>
    public IPEndPoint Associate(Socket socket, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(socket);
        IPEndPoint relay = Talk(socket, timeout, stream =>
        {
            LogInIfAsked(stream);
            // The client's own address is not known before it sends: 0.0.0.0:0, as OpenVPN sends it.
            stream.Write([Version, 3, 0, 1, 0, 0, 0, 0, 0, 0]);
            return ReadReply(stream) ?? throw new ProxyException("the SOCKS proxy named its UDP relay by a host name, not an address");
        });
        var proxy = (IPEndPoint)socket.RemoteEndPoint!;
        return relay.Address.Equals(IPAddress.Any) || relay.Address.Equals(IPAddress.IPv6Any)
            ? new IPEndPoint(proxy.Address, relay.Port)
            : relay;
    }

    private void LogInIfAsked(Stream stream)
    {
        byte method = _settings.Credentials is null ? NoAuthentication : UsernamePassword;
        stream.Write([Version, 1, method]);
        Span<byte> choice = stackalloc byte[2];
        ReadExactly(stream, choice, "its method choice");
        if (choice[0] != Version)
        {
            throw new ProxyException($"the SOCKS proxy did not answer as SOCKS5 (version byte {choice[0]})");
        }

        if (choice[1] != method)
        {
            throw new ProxyException(choice[1] == NoAcceptableMethod
                ? $"the SOCKS proxy accepts no login we offered ({MethodName(method)}){(method == NoAuthentication ? "; give 'socks-proxy SERVER PORT AUTHFILE'" : "")}"
                : $"the SOCKS proxy chose {MethodName(choice[1])}, not the {MethodName(method)} we offered");
        }

        if (method == UsernamePassword)
        {
            LogIn(stream);
        }
    }

    /// <summary>VER CMD=CONNECT RSV ATYP DST.ADDR DST.PORT.</summary>
    internal static byte[] ConnectRequest(string host, int port)
    {
        byte[] address;
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            byte[] raw = ip.GetAddressBytes();
            address = [ip.AddressFamily == AddressFamily.InterNetwork ? (byte)1 : (byte)4, .. raw];
        }
        else
        {
            byte[] name = Encoding.ASCII.GetBytes(host);
            if (name.Length > 255)
            {
                throw new ProxyException($"the server name '{host}' is longer than SOCKS allows (255 bytes)");
            }

            address = [3, (byte)name.Length, .. name];
        }

        var request = new byte[3 + address.Length + 2];
        request[0] = Version;
        request[1] = 1; // CONNECT
        address.CopyTo(request, 3);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(3 + address.Length), (ushort)port);
        return request;
    }

    private void LogIn(Stream stream)
    {
        (string user, string pass) = Credentials();
        byte[] userBytes = Encoding.UTF8.GetBytes(user);
        byte[] passBytes = Encoding.UTF8.GetBytes(pass);
        if (userBytes.Length is 0 or > 255 || passBytes.Length > 255)
        {
            throw new ProxyException("the SOCKS proxy user name must be 1 to 255 bytes and the password at most 255 bytes");
        }

        byte[] login = [1, (byte)userBytes.Length, .. userBytes, (byte)passBytes.Length, .. passBytes];
        stream.Write(login);
        Array.Clear(login);
        Array.Clear(passBytes);
        Span<byte> status = stackalloc byte[2];
        ReadExactly(stream, status, "its login answer");
        if (status[1] != 0)
        {
            throw new ProxyException("the SOCKS proxy refused our user name and password");
        }
    }

    /// <summary>VER REP RSV ATYP BND.ADDR BND.PORT, read to its last byte; the bound address, null when it is a name.</summary>
    private static IPEndPoint? ReadReply(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        ReadExactly(stream, head, "its reply");
        if (head[0] != Version)
        {
            throw new ProxyException($"the SOCKS proxy's reply is not SOCKS5 (version byte {head[0]})");
        }

        if (head[1] != 0)
        {
            throw new ProxyException($"the SOCKS proxy could not connect to the server: {ReplyText(head[1])} (reply {head[1]})");
        }

        int addressLength = head[3] switch
        {
            1 => 4,
            4 => 16,
            3 => ReadByte(stream),
            _ => throw new ProxyException($"the SOCKS proxy's reply has an unknown address type {head[3]}"),
        };
        Span<byte> rest = stackalloc byte[255 + 2];
        ReadExactly(stream, rest[..(addressLength + 2)], "its reply");
        int port = BinaryPrimitives.ReadUInt16BigEndian(rest[addressLength..]);
        return head[3] == 3 ? null : new IPEndPoint(new IPAddress(rest[..addressLength]), port);
    }

    private static int ReadByte(Stream stream)
    {
        Span<byte> one = stackalloc byte[1];
        ReadExactly(stream, one, "its reply");
        return one[0];
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new ProxyException($"the SOCKS proxy closed the connection before {what}");
        }
    }

    private static string MethodName(byte method) => method switch
    {
        NoAuthentication => "no authentication",
        1 => "GSSAPI",
        UsernamePassword => "user name and password",
        _ => $"method {method}",
    };

    /// <summary>RFC 1928 section 6.</summary>
    private static string ReplyText(byte reply) => reply switch
    {
        1 => "general SOCKS server failure",
        2 => "connection not allowed by its rules",
        3 => "network unreachable",
        4 => "host unreachable",
        5 => "connection refused",
        6 => "TTL expired",
        7 => "command not supported",
        8 => "address type not supported",
        _ => "unknown error",
    };
}
