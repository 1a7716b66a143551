namespace SharpVpn.Config;

/// <summary>Where an <see cref="X509UsernameField"/> is read from.</summary>
public enum X509UsernameSource
{
    /// <summary>A subject attribute, by its OID (the last one of that type, as OpenSSL's lookup).</summary>
    SubjectAttribute,

    /// <summary><c>serialNumber</c>: the certificate's serial number ("0x" and upper-case hex).</summary>
    CertificateSerial,

    /// <summary><c>ext:subjectAltName</c> / <c>ext:issuerAltName</c>: the extension's last email address.</summary>
    AltNameEmail,
}

/// <summary>
/// One field of <c>x509-username-field</c>. <see cref="Text"/> is the field as OpenVPN uses it (an all-lower-case
/// name upcased); <see cref="Oid"/> the subject attribute or the extension read (null for the serial number).
/// </summary>
public sealed record X509UsernameField(string Text, X509UsernameSource Source, string? Oid)
{
    /// <summary>OpenVPN's default (X509_USERNAME_FIELD_DEFAULT): the subject's CN.</summary>
    public static X509UsernameField CommonName { get; } = new("CN", X509UsernameSource.SubjectAttribute, "2.5.4.3");
}
