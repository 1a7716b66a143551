namespace SharpVpn.Config;

/// <summary>
/// <c>port-share HOST PORT [DIR]</c> (OpenVPN ps.c): on a TCP server, a connection whose first bytes are not an
/// OpenVPN client's hard reset (a browser's TLS hello, an HTTP request) is relayed to HOST:PORT, so the VPN and a web
/// server can share port 443. DIR gets one journal file per relayed connection naming the real client.
/// </summary>
public sealed record PortShareSettings(string Host, int Port, string? JournalDirectory);
