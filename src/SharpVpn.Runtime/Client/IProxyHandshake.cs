using System.Net.Sockets;

namespace SharpVpn.Runtime.Client;

/// <summary>How one kind of proxy is asked to open a tunnel to the server on a TCP connection already open to it.</summary>
public interface IProxyHandshake
{
    /// <summary>
    /// Asks the proxy on <paramref name="socket"/> (connected, blocking) for a tunnel to <paramref name="host"/> port
    /// <paramref name="port"/>. True: the socket carries the server's stream from here. False: connect to the proxy
    /// again and call this again (an HTTP proxy under 'auto' named the method it wants).
    /// </summary>
    /// <exception cref="ProxyException">The proxy refused, wants what we cannot do, or answered nonsense.</exception>
    /// <exception cref="IOException">The connection broke or <paramref name="timeout"/> passed.</exception>
    bool Run(Socket socket, string host, int port, TimeSpan timeout);
}
