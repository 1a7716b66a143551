namespace SharpVpn.Tls;

/// <summary>Where a <see cref="PeerNameField"/> takes its value from.</summary>
public enum PeerNameSource
{
    /// <summary>A subject attribute (<see cref="PeerNameField.Oid"/>), its last occurrence.</summary>
    SubjectAttribute,

    /// <summary><c>serialNumber</c>: the certificate's serial number as "0x" and upper-case hex.</summary>
    CertificateSerial,

    /// <summary><c>ext:subjectAltName</c> / <c>ext:issuerAltName</c> (<see cref="PeerNameField.Oid"/>): its last email address.</summary>
    AltNameEmail,
}

/// <summary>
/// One field of OpenVPN's <c>x509-username-field</c>: what names the peer instead of its certificate's CN.
/// <see cref="Text"/> is the field as OpenVPN prints it in its refusal (after its upcasing of all-lower-case names).
/// </summary>
public sealed record PeerNameField(string Text, PeerNameSource Source, string? Oid)
{
    /// <summary>OpenVPN's default: the subject's CN.</summary>
    public static PeerNameField CommonName { get; } = new("CN", PeerNameSource.SubjectAttribute, "2.5.4.3");
}
