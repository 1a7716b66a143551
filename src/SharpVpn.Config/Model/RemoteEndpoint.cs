namespace SharpVpn.Config;

/// <summary>One <c>remote host [port] [proto]</c> entry with the defaults of <c>port</c>/<c>rport</c> and <c>proto</c> applied.</summary>
public sealed record RemoteEndpoint(string Host, int Port, TransportProtocol Protocol, AddressFamilyPreference Family);
