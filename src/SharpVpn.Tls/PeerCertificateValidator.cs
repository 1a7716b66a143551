using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SharpVpn.Tls;

/// <summary>
/// The peer-certificate checks OpenVPN makes, in its order: chain to the configured CA only (validity
/// periods included), CRL, then on the leaf <c>peer-fingerprint</c>, <c>remote-cert-tls</c> and <c>verify-x509-name</c>
/// (src/openvpn/ssl_verify.c <c>verify_cert</c>, ssl_verify_openssl.c). Returns a one-sentence reason or null.
/// </summary>
internal sealed class PeerCertificateValidator
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private readonly TlsEngineOptions _options;

    public PeerCertificateValidator(TlsEngineOptions options) => _options = options;

    /// <param name="peer">The peer's certificate.</param>
    /// <param name="presented">Further certificates the peer sent (intermediates).</param>
    /// <param name="builtForPeer">
    /// The chain SslStream built for <paramref name="peer"/> with our trust settings (<see cref="PeerChainPolicy"/>), if
    /// any: used instead of building the same chain again (a build is ~0.1 ms of each handshake, on the handshake's
    /// path on both sides). It differs from ours only in the extended key usage SslStream asks for (serverAuth or
    /// clientAuth), which OpenVPN does not require (remote-cert-tls checks roles below), so that one flag is ignored.
    /// </param>
    public string? Validate(X509Certificate2 peer, X509Certificate2Collection presented, X509Chain? builtForPeer = null)
    {
        string subject = OpenVpnCertificateText.Subject(peer.SubjectName);
        if (_options.PeerFingerprints.Count == 0 || _options.TrustedCertificateAuthorities.Count > 0)
        {
            string? chainProblem = ValidateChain(peer, presented, builtForPeer, subject);
            if (chainProblem is not null)
            {
                return chainProblem;
            }
        }

        // As verify_cert: the peer's name (x509-username-field) is taken before the fingerprint and role checks.
        string? name = PeerName.Extract(peer, _options.PeerNameFields, out string? nameProblem);
        if (name is null)
        {
            return nameProblem;
        }

        // else PKI-less mode: OpenVPN's verify callback ignores every OpenSSL chain error when no CA is set
        // (ssl_verify_openssl.c verify_callback, verify_hash_no_ca): self-signed, validity dates, CRL alike.
        if (_options.PeerFingerprints.Count > 0)
        {
            string? pinProblem = PeerFingerprint.Check(peer, _options.PeerFingerprints);
            if (pinProblem is not null)
            {
                return $"Peer certificate '{subject}' {pinProblem}";
            }
        }

        if (_options.RemoteCertTls != RemoteCertTls.None)
        {
            string? roleProblem = CheckRole(peer, _options.RemoteCertTls);
            if (roleProblem is not null)
            {
                return $"Peer certificate '{subject}' {roleProblem}.";
            }
        }

        if (_options.VerifyX509Name is { } expected && !NameMatches(peer, name, expected))
        {
            return $"Peer certificate '{subject}' does not match verify-x509-name '{expected.Value}' ({MatchName(expected.Match)}).";
        }
        return null;
    }

    /// <summary>The chain to the configured CA (validity periods included), then the CRLs.</summary>
    private string? ValidateChain(X509Certificate2 peer, X509Certificate2Collection presented, X509Chain? builtForPeer, string subject)
    {
        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        bool reuse = builtForPeer is { ChainElements.Count: > 0 } && _options.TimeProvider == TimeProvider.System
            && builtForPeer.ChainElements[0].Certificate.RawDataMemory.Span.SequenceEqual(peer.RawDataMemory.Span);
        using X509Chain? own = reuse ? null : new X509Chain { ChainPolicy = PeerChainPolicy(_options, peer, presented, now) };
        X509Chain chain = own ?? builtForPeer!;
        own?.Build(peer);
        if (ProblemsOf(chain) != X509ChainStatusFlags.NoError)
        {
            return DescribeChainFailure(chain, peer, subject, now);
        }

        return _options.RevocationLists.Count > 0 ? CheckRevocation(chain, now) : null;
    }

    /// <summary>
    /// OpenVPN's chain check: the configured CA(s) are the only trust anchors, no revocation fetching (crl-verify is
    /// checked separately), the peer's intermediates as extra certificates. SslStream builds its chain with the same.
    /// </summary>
    internal static X509ChainPolicy PeerChainPolicy(TlsEngineOptions options, X509Certificate2? peer = null,
        X509Certificate2Collection? presented = null, DateTimeOffset? at = null)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.AddRange(options.TrustedCertificateAuthorities);
        foreach (X509Certificate2 c in presented ?? [])
        {
            if (peer is null || !c.RawDataMemory.Span.SequenceEqual(peer.RawDataMemory.Span))
            {
                policy.ExtraStore.Add(c);
            }
        }
        if (at is { } time)
        {
            policy.VerificationTime = time.UtcDateTime;
            policy.VerificationTimeIgnored = false;
        }
        return policy;
    }

    /// <summary>The chain's problems; the extended key usage SslStream asks for is not one (see <see cref="Validate"/>).</summary>
    private static X509ChainStatusFlags ProblemsOf(X509Chain chain)
    {
        X509ChainStatusFlags flags = X509ChainStatusFlags.NoError;
        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            flags |= status.Status;
        }
        return flags & ~X509ChainStatusFlags.NotValidForUsage;
    }

    private string? CheckRevocation(X509Chain chain, DateTimeOffset now)
    {
        // OpenVPN sets X509_V_FLAG_CRL_CHECK_ALL: every certificate in the chain needs its issuer's CRL.
        for (int i = 0; i < chain.ChainElements.Count; i++)
        {
            X509Certificate2 cert = chain.ChainElements[i].Certificate;
            X509Certificate2 issuer = i + 1 < chain.ChainElements.Count ? chain.ChainElements[i + 1].Certificate : cert;
            string who = i == 0 ? "Peer certificate" : "CA certificate";
            CertificateRevocationList? crl = null;
            foreach (CertificateRevocationList candidate in _options.RevocationLists)
            {
                if (candidate.CoversIssuerOf(cert))
                {
                    crl = candidate;
                    break;
                }
            }
            string subject = OpenVpnCertificateText.Subject(cert.SubjectName);
            if (crl is null)
            {
                return $"{who} '{subject}' cannot be checked: crl-verify has no CRL from its issuer '{OpenVpnCertificateText.Subject(cert.IssuerName)}'.";
            }
            if (!crl.IsSignedBy(issuer))
            {
                return $"The CRL of '{OpenVpnCertificateText.Subject(crl.Issuer)}' has a bad or unsupported signature.";
            }
            if (crl.ThisUpdate > now)
            {
                return $"The CRL of '{OpenVpnCertificateText.Subject(crl.Issuer)}' is not yet valid (thisUpdate {crl.ThisUpdate:u}).";
            }
            if (crl.NextUpdate is { } next && next < now)
            {
                return $"The CRL of '{OpenVpnCertificateText.Subject(crl.Issuer)}' has expired (nextUpdate {next:u}).";
            }
            if (crl.IsRevoked(cert))
            {
                return $"{who} '{subject}' (serial {cert.SerialNumber}) is revoked.";
            }
        }
        return null;
    }

    /// <summary>remote-cert-tls: key usage present (OPENVPN_KU_REQUIRED) and the role's EKU (src/openvpn/options.c, ssl_verify_openssl.c).</summary>
    internal static string? CheckRole(X509Certificate2 peer, RemoteCertTls role)
    {
        string optionName = role == RemoteCertTls.Server ? "remote-cert-tls server" : "remote-cert-tls client";
        X509KeyUsageExtension? ku = null;
        X509EnhancedKeyUsageExtension? eku = null;
        foreach (X509Extension extension in peer.Extensions)
        {
            if (extension is X509KeyUsageExtension k)
            {
                ku = k;
            }
            else if (extension is X509EnhancedKeyUsageExtension e)
            {
                eku = e;
            }
        }
        if (ku is null || ku.KeyUsages == X509KeyUsageFlags.None)
        {
            return $"lacks the key usage extension ({optionName})";
        }
        string wanted = role == RemoteCertTls.Server ? ServerAuthOid : ClientAuthOid;
        if (eku is not null)
        {
            foreach (System.Security.Cryptography.Oid oid in eku.EnhancedKeyUsages)
            {
                if (oid.Value == wanted)
                {
                    return null;
                }
            }
        }
        string ekuName = role == RemoteCertTls.Server ? "TLS Web Server Authentication" : "TLS Web Client Authentication";
        return $"lacks the {ekuName} EKU ({optionName})";
    }

    /// <summary>verify_peer_cert: name and name-prefix compare <paramref name="name"/>, the peer's name by x509-username-field.</summary>
    internal static bool NameMatches(X509Certificate2 peer, string name, VerifyX509Name expected) => expected.Match switch
    {
        X509NameMatch.Subject => string.Equals(OpenVpnCertificateText.Subject(peer.SubjectName), expected.Value, StringComparison.Ordinal),
        X509NameMatch.Name => string.Equals(name, expected.Value, StringComparison.Ordinal),
        X509NameMatch.NamePrefix => name.StartsWith(expected.Value, StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>The last CN of the subject, as OpenVPN's <c>x509-username-field CN</c> extracts it.</summary>
    public static string? CommonName(X509Certificate2 certificate)
    {
        string? cn = null;
        foreach (X500RelativeDistinguishedName rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames(reversed: false))
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3")
            {
                cn = rdn.GetSingleElementValue();
            }
        }
        return cn;
    }

    private static string MatchName(X509NameMatch m) => m switch
    {
        X509NameMatch.Subject => "subject",
        X509NameMatch.NamePrefix => "name-prefix",
        _ => "name",
    };

    private static string DescribeChainFailure(X509Chain chain, X509Certificate2 peer, string subject, DateTimeOffset now)
    {
        X509ChainStatusFlags flags = ProblemsOf(chain);
        if ((flags & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            return $"Peer certificate '{subject}' is not signed by the configured CA (issuer '{OpenVpnCertificateText.Subject(peer.IssuerName)}').";
        }
        if ((flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                X509Certificate2 c = element.Certificate;
                if (c.NotBefore.ToUniversalTime() > now.UtcDateTime)
                {
                    return $"Certificate '{OpenVpnCertificateText.Subject(c.SubjectName)}' is not yet valid (notBefore {c.NotBefore.ToUniversalTime():u}).";
                }
                if (c.NotAfter.ToUniversalTime() < now.UtcDateTime)
                {
                    return $"Certificate '{OpenVpnCertificateText.Subject(c.SubjectName)}' has expired (notAfter {c.NotAfter.ToUniversalTime():u}).";
                }
            }
            return $"Peer certificate '{subject}' or its CA is outside its validity period.";
        }
        if ((flags & X509ChainStatusFlags.NotSignatureValid) != 0)
        {
            return $"Peer certificate '{subject}' has an invalid signature.";
        }
        var reasons = new StringBuilder();
        foreach (X509ChainStatus status in chain.ChainStatus)
        {
            if (status.Status == X509ChainStatusFlags.NotValidForUsage)
            {
                continue;
            }
            if (reasons.Length > 0)
            {
                reasons.Append("; ");
            }
            reasons.Append(status.StatusInformation.Trim());
        }
        return $"Peer certificate '{subject}' failed chain validation: {reasons}.";
    }
}
