namespace SharpVpn.Runtime.Client;

/// <summary>The HTTP proxy did not open the tunnel to the server: the message says what it answered, or why not.</summary>
public sealed class HttpProxyException(string message) : IOException(message);
