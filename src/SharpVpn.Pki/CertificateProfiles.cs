using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

/// <summary>
/// The X.509v3 extensions of each certificate type, matching easy-rsa 3.1's x509-types files
/// (ca, server, client, serverClient) so that OpenVPN's <c>remote-cert-tls server|client</c>
/// (which checks keyUsage and extendedKeyUsage) accepts them:
/// <code>
///   ca:     basicConstraints CA:TRUE (we mark it critical, RFC 5280 §4.2.1.9), keyUsage cRLSign+keyCertSign,
///           SKI hash, AKI keyid:always,issuer:always
///   server: basicConstraints CA:FALSE, SKI, AKI keyid,issuer:always, EKU serverAuth,
///           keyUsage digitalSignature+keyEncipherment, subjectAltName (default DNS:CN or IP:CN)
///   client: basicConstraints CA:FALSE, SKI, AKI keyid,issuer:always, EKU clientAuth, keyUsage digitalSignature
/// </code>
/// </summary>
internal static class CertificateProfiles
{
    private const string OidServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string OidClientAuth = "1.3.6.1.5.5.7.3.2";
    public const string OidSubjectAltName = "2.5.29.17";
    public const string OidExtendedKeyUsage = "2.5.29.37";

    public static void AddCaExtensions(CertificateRequest req, PublicKey publicKey, X500DistinguishedName subject, byte[] serial)
    {
        var ski = new X509SubjectKeyIdentifierExtension(publicKey, critical: false);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, critical: true));
        req.CertificateExtensions.Add(ski);
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.Create(ski.SubjectKeyIdentifierBytes.Span, subject, serial));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: false));
    }

    public static void AddLeafExtensions(CertificateRequest req, CertType type, X509Certificate2 issuer, X509Extension? san)
    {
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, critical: false));
        req.CertificateExtensions.Add(AuthorityKeyId(issuer));
        (string[] eku, X509KeyUsageFlags ku) = type switch
        {
            CertType.Server => ([OidServerAuth], X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment),
            CertType.Client => ([OidClientAuth], X509KeyUsageFlags.DigitalSignature),
            CertType.ServerClient => (new[] { OidServerAuth, OidClientAuth }, X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment),
            _ => throw new PkiException($"Certificate type {type} cannot be signed as a leaf; use client, server or serverClient."),
        };
        var oids = new OidCollection();
        foreach (string o in eku)
        {
            oids.Add(new Oid(o));
        }
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, critical: false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(ku, critical: false));
        if (san is not null)
        {
            req.CertificateExtensions.Add(san);
        }
    }

    /// <summary>
    /// AKI keyid + issuer + serial (easy-rsa's keyid,issuer:always); an old CA without a subject
    /// key identifier (easy-rsa 2 era) gets issuer + serial only.
    /// </summary>
    public static X509AuthorityKeyIdentifierExtension AuthorityKeyId(X509Certificate2 issuer) =>
        X509AuthorityKeyIdentifierExtension.CreateFromCertificate(
            issuer, includeKeyIdentifier: issuer.Extensions["2.5.29.14"] is not null, includeIssuerAndSerial: true);

    /// <summary>The certificate type a certificate was issued as, read from its EKU and CA flag.</summary>
    public static CertType? TypeOf(X509Certificate2 cert)
    {
        bool server = false, client = false;
        foreach (X509Extension ext in cert.Extensions)
        {
            if (ext is X509BasicConstraintsExtension { CertificateAuthority: true })
            {
                return CertType.Ca;
            }
            if (ext is X509EnhancedKeyUsageExtension eku)
            {
                foreach (Oid oid in eku.EnhancedKeyUsages)
                {
                    server |= oid.Value == OidServerAuth;
                    client |= oid.Value == OidClientAuth;
                }
            }
        }
        return (server, client) switch
        {
            (true, true) => CertType.ServerClient,
            (true, false) => CertType.Server,
            (false, true) => CertType.Client,
            _ => null,
        };
    }

    /// <summary>
    /// Parses easy-rsa's --subject-alt-name syntax, "DNS:host,IP:10.0.0.1,email:a@b"; a bare
    /// word is a DNS name, or an IP address if it parses as one.
    /// </summary>
    public static X509Extension? ParseSan(IEnumerable<string>? items)
    {
        if (items is null)
        {
            return null;
        }
        var builder = new SubjectAlternativeNameBuilder();
        bool any = false;
        foreach (string item in items.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            int colon = item.IndexOf(':');
            string kind = colon > 0 ? item[..colon] : (IPAddress.TryParse(item, out _) ? "IP" : "DNS");
            string value = colon > 0 ? item[(colon + 1)..] : item;
            switch (kind.ToUpperInvariant())
            {
                case "DNS" when value.Length > 0:
                    builder.AddDnsName(value);
                    break;
                case "IP" when IPAddress.TryParse(value, out IPAddress? ip):
                    builder.AddIpAddress(ip);
                    break;
                case "EMAIL" when value.Contains('@'):
                    builder.AddEmailAddress(value);
                    break;
                case "URI" when Uri.TryCreate(value, UriKind.Absolute, out Uri? uri):
                    builder.AddUri(uri);
                    break;
                default:
                    throw new PkiException($"Subject alternative name '{item}' is not valid: use DNS:name, IP:address, email:address or URI:uri.");
            }
            any = true;
        }
        return any ? builder.Build(critical: false) : null;
    }

    /// <summary>easy-rsa default_server_san: IP:CN if the CN is a dotted quad, else DNS:CN.</summary>
    public static X509Extension DefaultServerSan(string commonName)
    {
        var builder = new SubjectAlternativeNameBuilder();
        if (System.Text.RegularExpressions.Regex.IsMatch(commonName, @"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$")
            && IPAddress.TryParse(commonName, out IPAddress? ip))
        {
            builder.AddIpAddress(ip);
        }
        else
        {
            builder.AddDnsName(commonName);
        }
        return builder.Build(critical: false);
    }
}
