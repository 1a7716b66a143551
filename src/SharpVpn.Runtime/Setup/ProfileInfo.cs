using SharpVpn.Pki;

namespace SharpVpn.Runtime.Setup;

/// <summary>A row of <c>sharpvpn profile list</c>.</summary>
public sealed record ProfileInfo(string Name, CertStatus Status, DateTimeOffset NotAfter, ConnectedClient? Connection, string? ProfilePath);
