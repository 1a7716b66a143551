namespace SharpVpn.Config;

/// <summary><c>verify-x509-name NAME [TYPE]</c>.</summary>
public sealed record X509NameCheck(string Name, X509NameType Type);
