namespace SharpVpn.Tls;

/// <summary>TLS protocol versions OpenVPN's <c>tls-version-min</c>/<c>tls-version-max</c> accept here.</summary>
public enum TlsVersion
{
    Tls12 = 12,
    Tls13 = 13,
}
