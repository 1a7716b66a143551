namespace SharpVpn.Tls;

/// <summary>How <c>verify-x509-name</c> compares (OpenVPN's third argument).</summary>
public enum X509NameMatch
{
    /// <summary><c>subject</c>: the full subject DN as OpenVPN prints it, e.g. "C=US, O=Org, CN=server".</summary>
    Subject,

    /// <summary><c>name</c> (OpenVPN's default): the common name, exactly.</summary>
    Name,

    /// <summary><c>name-prefix</c>: the common name starts with the value.</summary>
    NamePrefix,
}

/// <summary>OpenVPN's <c>verify-x509-name NAME [subject|name|name-prefix]</c>.</summary>
public sealed record VerifyX509Name(string Value, X509NameMatch Match = X509NameMatch.Name);
