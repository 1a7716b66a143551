using System.Security.Cryptography.X509Certificates;
using SharpVpn.Config;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Shared;

/// <summary>
/// Builds the TLS engine options (our certificate and key, the trusted CA, the peer checks) from a config's
/// TLS settings, the same way for the client and the server. Setup-time only: certificates load once.
/// </summary>
internal static class TlsOptionsFactory
{
    public static TlsEngineOptions Build(TlsSettings t, string sourceName, bool isServer,
        IReadOnlyList<CertificateRevocationList> revocationLists)
    {
        RequireCredentials(t, sourceName, isServer);
        // A client without cert/key logs in by auth-user-pass alone (the config parser made sure it has that).
        X509Certificate2Collection chain = [];
        X509Certificate2? certificate = t.CertPem is null && !isServer
            ? null
            : TlsCredentials.LoadCertificate(t.CertPem! + (t.ExtraCertsPem ?? string.Empty), t.KeyPem!,
                t.PrivateKeyPassword, $"{sourceName}: cert/key", out chain);
        // peer-fingerprint without 'ca': no trust anchor at all (OpenVPN's PKI-less mode).
        X509Certificate2Collection ca = t.CaPem is null ? [] : TlsCredentials.LoadCertificates(t.CaPem, $"{sourceName}: ca");
        CertificateRole? role = t.RemoteCertTls ?? t.NsCertType;
        var options = new TlsEngineOptions
        {
            IsServer = isServer,
            Certificate = certificate,
            CertificateChain = chain.Count > 0 ? chain : null,
            TrustedCertificateAuthorities = ca,
            PeerFingerprints = t.PeerFingerprints ?? [],
            MinimumVersion = t.TlsVersionMin == "1.3" ? TlsVersion.Tls13 : TlsVersion.Tls12,
            MaximumVersion = t.TlsVersionMax == "1.2" ? TlsVersion.Tls12 : TlsVersion.Tls13,
            RemoteCertTls = role switch
            {
                CertificateRole.Server => RemoteCertTls.Server,
                CertificateRole.Client => RemoteCertTls.Client,
                _ => RemoteCertTls.None,
            },
            VerifyX509Name = t.VerifyX509Name is { } v
                ? new VerifyX509Name(v.Name, v.Type switch
                {
                    Config.X509NameType.Subject => X509NameMatch.Subject,
                    Config.X509NameType.NamePrefix => X509NameMatch.NamePrefix,
                    _ => X509NameMatch.Name,
                })
                : null,
            PeerNameFields = PeerNameFields(t),
            RevocationLists = revocationLists,
            // verify-client-cert is a server's option; a client always requires the server's certificate.
            ClientCertificate = isServer ? ClientCertificateModeOf(t.VerifyClientCert) : ClientCertificateMode.Required,
        };
        // Our certificate's context (a chain build SslStream needs) made now, as the process's first chain build.
        ChainWarmup.Run(options.PrepareCertificateContext);
        return options;
    }

    /// <summary>verify-client-cert as the TLS layer reads it.</summary>
    public static ClientCertificateMode ClientCertificateModeOf(VerifyClientCert mode) => mode switch
    {
        VerifyClientCert.None => ClientCertificateMode.None,
        VerifyClientCert.Optional => ClientCertificateMode.Optional,
        VerifyClientCert.Require => ClientCertificateMode.Required,
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>x509-username-field as the TLS layer reads it.</summary>
    public static IReadOnlyList<PeerNameField> PeerNameFields(TlsSettings t) =>
        [.. t.X509UsernameFields.Select(f => new PeerNameField(f.Text, f.Source switch
        {
            X509UsernameSource.CertificateSerial => PeerNameSource.CertificateSerial,
            X509UsernameSource.AltNameEmail => PeerNameSource.AltNameEmail,
            _ => PeerNameSource.SubjectAttribute,
        }, f.Oid))];

    /// <summary>
    /// <see cref="Build"/> (with the CRLs of 'crl-verify') when first needed. Missing 'ca'/'cert'/'key' still throw
    /// here; errors of loading them (unreadable PEM, key does not match) are thrown by <see cref="DeferredTlsOptions.Value"/>.
    /// </summary>
    public static DeferredTlsOptions BuildDeferred(TlsSettings t, string sourceName, bool isServer)
    {
        RequireCredentials(t, sourceName, isServer);
        return new DeferredTlsOptions(() => Build(t, sourceName, isServer, LoadRevocationLists(t, sourceName)));
    }

    private static void RequireCredentials(TlsSettings t, string sourceName, bool isServer)
    {
        string peer = isServer ? "clients" : "the server";
        if (t.CaPem is null && t.PeerFingerprints is not { Count: > 0 })
        {
            throw new InvalidOperationException($"{sourceName}: 'ca' is missing; the {(isServer ? "server" : "client")} needs the CA certificate (or 'peer-fingerprint') to check {peer}.");
        }

        if (isServer && (t.CertPem is null || t.KeyPem is null))
        {
            throw new InvalidOperationException($"{sourceName}: 'cert' and 'key' are required for a server.");
        }

        if ((t.CertPem is null) != (t.KeyPem is null))
        {
            throw new InvalidOperationException($"{sourceName}: 'cert' and 'key' go together (a client without them logs in with auth-user-pass only).");
        }
    }

    /// <summary>The CRLs of 'crl-verify', or none.</summary>
    public static IReadOnlyList<CertificateRevocationList> LoadRevocationLists(TlsSettings t, string sourceName) =>
        t.CrlPem is { } pem ? CertificateRevocationList.ParsePem(pem, $"{sourceName}: crl-verify") : [];
}
