namespace SharpVpn.Runtime.Client;

/// <summary>The HTTP or SOCKS proxy did not open the tunnel to the server: the message says what it answered, or why not.</summary>
public sealed class ProxyException(string message) : IOException(message);
