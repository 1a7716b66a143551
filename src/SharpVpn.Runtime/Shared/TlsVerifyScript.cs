using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Shared;

/// <summary>
/// <c>tls-verify CMD</c> as OpenVPN 2.6 runs it (ssl_verify.c verify_cert_call_command): once per certificate of the
/// peer's chain, from the CA down to the peer, with <c>DEPTH SUBJECT</c> as arguments and that depth's certificate
/// variables (X509_n_*, tls_id_n, tls_serial_n, ...) added to the environment; a non-zero exit refuses the
/// certificate, and the TLS handshake fails. Like OpenVPN's it runs inside the handshake, so a slow script holds up
/// the server's control work meanwhile (keep it quick; it is killed after the handshake window).
/// </summary>
/// <param name="exportDirectory">tls-export-cert: each certificate is written there as PEM for its call ($peer_cert), then removed.</param>
/// <param name="nameFields">x509-username-field: what names the peer in common_name.</param>
internal sealed class TlsVerifyScript(IReadOnlyList<string> command, ScriptRunner runner, IReadOnlyList<PeerNameField> nameFields,
    string? exportDirectory = null)
{
    /// <summary>
    /// Checks <paramref name="chain"/> (leaf first) from <paramref name="peer"/>; null when every certificate passed.
    /// <paramref name="log"/> gets OpenVPN's VERIFY SCRIPT OK/ERROR line per certificate.
    /// </summary>
    public string? Check(IReadOnlyList<X509Certificate2> chain, IPEndPoint peer, IReadOnlyDictionary<string, string> baseVariables, Action<string> log)
    {
        var env = new Dictionary<string, string>(baseVariables, StringComparer.Ordinal) { ["script_type"] = "tls-verify" };
        ScriptRunner.AddAddress(env, "untrusted", peer);
        for (int depth = chain.Count - 1; depth >= 0; depth--)
        {
            X509Certificate2 certificate = chain[depth];
            ScriptRunner.AddCertificate(env, certificate, depth);
            string subject = OpenVpnCertificateText.Subject(certificate.SubjectName);
            if (depth == 0)
            {
                // OpenVPN names the session (x509-username-field, default the CN) before it asks the script (ssl_verify.c verify_cert).
                env["common_name"] = PeerName.Extract(certificate, nameFields, out _) ?? string.Empty;
            }

            string depthText = depth.ToString(CultureInfo.InvariantCulture);
            string? exported = Export(certificate, env);
            int? exit;
            string? problem;
            try
            {
                exit = runner.Run("tls-verify", command, [depthText, subject], env, [], out problem);
            }
            finally
            {
                if (exported is not null)
                {
                    ScriptRunner.TryDelete(exported);
                    env.Remove("peer_cert");
                }
            }

            if (exit != 0)
            {
                log($"VERIFY SCRIPT ERROR: depth={depthText}, {subject}");
                string why = problem ?? $"exited with code {exit?.ToString(CultureInfo.InvariantCulture)}";
                return $"tls-verify refused the certificate at depth {depthText} ({subject}): {why}.";
            }

            log($"VERIFY SCRIPT OK: depth={depthText}, {subject}");
        }

        return null;
    }

    /// <summary>tls-export-cert (ssl_verify.c verify_cert_cert_export_env): the certificate as a fresh 0600 PEM file in the directory.</summary>
    private string? Export(X509Certificate2 certificate, Dictionary<string, string> env)
    {
        if (exportDirectory is null)
        {
            return null;
        }

        string path = Path.Combine(exportDirectory, $"openvpn_pef_{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16))}.tmp");
        ScriptRunner.CreatePrivateFile(path, certificate.ExportCertificatePem() + "\n");
        env["peer_cert"] = path;
        return path;
    }
}
