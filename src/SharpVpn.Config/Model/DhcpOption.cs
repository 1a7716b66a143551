namespace SharpVpn.Config;

/// <summary>
/// <c>dhcp-option TYPE [VALUE]</c>; <see cref="Type"/> is upper case (DNS, DNS6, WINS, DOMAIN,
/// DOMAIN-SEARCH, NTP, NBS, NBDD, NBT, DISABLE-NBT, PROXY_HTTP, ADAPTER_DOMAIN_SUFFIX). For
/// PROXY_HTTP the value is "host port".
/// </summary>
public sealed record DhcpOption(string Type, string? Value);
