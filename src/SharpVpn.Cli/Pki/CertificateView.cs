using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SharpVpn.Cli.Pki;

/// <summary>'show-cert' / 'show-ca': the fields an operator checks, one per line.</summary>
internal static class CertificateView
{
    public static string Render(X509Certificate2 cert, string path)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"File:        {path}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Subject:     {cert.Subject}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Issuer:      {cert.Issuer}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Serial:      {SharpVpn.Pki.CertificateAuthority.SerialHex(cert.SerialNumberBytes.Span)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Not before:  {cert.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC\n");
        sb.Append(CultureInfo.InvariantCulture, $"Not after:   {cert.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC\n");
        sb.Append(CultureInfo.InvariantCulture, $"Key:         {KeyDescription(cert)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Signature:   {cert.SignatureAlgorithm.FriendlyName ?? cert.SignatureAlgorithm.Value}\n");
        foreach (X509Extension ext in cert.Extensions)
        {
            string name = ext.Oid?.FriendlyName ?? ext.Oid?.Value ?? "?";
            string value = ext switch
            {
                X509BasicConstraintsExtension bc => bc.CertificateAuthority ? "CA:TRUE" : "CA:FALSE",
                X509KeyUsageExtension ku => ku.KeyUsages.ToString(),
                X509EnhancedKeyUsageExtension eku => string.Join(", ", eku.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.FriendlyName ?? o.Value)),
                X509SubjectKeyIdentifierExtension ski => ski.SubjectKeyIdentifier ?? "",
                X509SubjectAlternativeNameExtension san => string.Join(", ", san.EnumerateDnsNames().Select(d => "DNS:" + d).Concat(san.EnumerateIPAddresses().Select(i => "IP:" + i))),
                _ => ext.Format(false).ReplaceLineEndings(", ").TrimEnd(',', ' '),
            };
            sb.Append(CultureInfo.InvariantCulture, $"Extension:   {name}{(ext.Critical ? " (critical)" : "")}: {value}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"SHA256:      {cert.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}\n");
        return sb.ToString();
    }

    private static string KeyDescription(X509Certificate2 cert)
    {
        using var rsa = cert.GetRSAPublicKey();
        if (rsa is not null)
        {
            return $"RSA {rsa.KeySize} bit";
        }
        using var ec = cert.GetECDsaPublicKey();
        if (ec is not null)
        {
            return $"EC {ec.KeySize} bit";
        }
        return cert.GetKeyAlgorithm() switch
        {
            SharpVpn.Pki.KeyStore.OidEd25519 => "Ed25519",
            SharpVpn.Pki.KeyStore.OidEd448 => "Ed448",
            string oid => oid,
        };
    }
}
