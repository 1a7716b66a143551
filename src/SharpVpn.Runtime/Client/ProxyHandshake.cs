using System.Net.Sockets;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// How one kind of proxy (HTTP, SOCKS) is asked to open a tunnel to the server on a TCP connection already open to it.
/// The exchange reads the proxy's answer exactly, so the socket carries nothing but the server's stream afterwards.
/// </summary>
public abstract class ProxyHandshake
{
    private readonly Func<(string Username, string Password)> _credentials;
    private (string Username, string Password)? _cached;

    /// <param name="credentials">Asked the first time the proxy needs them, then kept for later connections.</param>
    protected ProxyHandshake(Func<(string Username, string Password)> credentials) => _credentials = credentials;

    /// <summary>
    /// Asks the proxy on <paramref name="socket"/> (connected, blocking) for a tunnel to <paramref name="host"/> port
    /// <paramref name="port"/>, waiting at most <paramref name="timeout"/> for each answer. True: the socket carries
    /// the server's stream from here. False: connect to the proxy again and call this again (an HTTP proxy under
    /// 'auto' named the method it wants).
    /// </summary>
    /// <exception cref="ProxyException">The proxy refused, wants what we cannot do, or answered nonsense.</exception>
    /// <exception cref="IOException">The connection broke or the proxy was silent for <paramref name="timeout"/>.</exception>
    public bool Run(Socket socket, string host, int port, TimeSpan timeout) =>
        Talk(socket, timeout, stream => Exchange(stream, host, port));

    /// <summary>Runs <paramref name="exchange"/> on the proxy connection with <paramref name="timeout"/> for each read.</summary>
    protected static T Talk<T>(Socket socket, TimeSpan timeout, Func<Stream, T> exchange)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(exchange);
        int savedTimeout = socket.ReceiveTimeout;
        socket.ReceiveTimeout = (int)Math.Clamp(timeout.TotalMilliseconds, 1, int.MaxValue);
        try
        {
            using var stream = new NetworkStream(socket, ownsSocket: false);
            return exchange(stream);
        }
        finally
        {
            socket.ReceiveTimeout = savedTimeout; // the tunnel's own reads block without a limit
        }
    }

    /// <summary>The protocol's exchange on the proxy connection; see <see cref="Run"/>.</summary>
    protected abstract bool Exchange(Stream stream, string host, int port);

    /// <summary>The proxy's user name and password, asked once.</summary>
    protected (string Username, string Password) Credentials() => _cached ??= _credentials();
}
