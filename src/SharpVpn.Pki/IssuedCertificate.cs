using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>The result of signing: where the files are and what was issued.</summary>
public sealed record IssuedCertificate
{
    public required string Name { get; init; }
    public required CertType Type { get; init; }

    /// <summary>Serial as openssl prints it (upper-case hex) and names certs_by_serial/SERIAL.pem.</summary>
    public required string Serial { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public required string CertificatePath { get; init; }

    /// <summary>private/NAME.key when it exists (null for an imported request).</summary>
    public string? KeyPath { get; init; }
    public required X509Certificate2 Certificate { get; init; }
}

/// <summary>One row of <see cref="CertificateAuthority.List"/>.</summary>
public sealed record PkiEntry
{
    /// <summary>File base name (issued/NAME.crt), or the CN when the file has been moved away.</summary>
    public required string Name { get; init; }

    /// <summary>From the certificate's EKU; null if the certificate file is not in the PKI.</summary>
    public CertType? Type { get; init; }
    public required string Serial { get; init; }
    public required CertStatus Status { get; init; }
    public required DateTimeOffset NotAfter { get; init; }
    public DateTimeOffset? RevokedAt { get; init; }
    public string? RevocationReason { get; init; }
    public required string Subject { get; init; }

    /// <summary>True for a certificate replaced by renew and kept in renewed/ until revoked.</summary>
    public bool Renewed { get; init; }
}

/// <summary>The current CRL's dates, for warnings.</summary>
public sealed record CrlInfo(DateTimeOffset ThisUpdate, DateTimeOffset? NextUpdate, int RevokedCount);
