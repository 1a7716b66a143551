using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

public sealed partial class CertificateAuthority
{
    /// <summary>
    /// Every certificate in index.txt with its name (issued/NAME.crt; for moved files, the CN),
    /// type, status and expiry. An entry still marked V whose date has passed is Expired.
    /// </summary>
    public IReadOnlyList<PkiEntry> List()
    {
        RequireCa();
        List<IndexEntry> index = CaDatabase.Load(Paths.Index);
        var bySerial = new Dictionary<string, (string Name, X509Certificate2 Cert, bool Renewed)>(StringComparer.Ordinal);
        Scan(Paths.IssuedDir, "*.crt", renewed: false);
        Scan(Path.Combine(Paths.Root, "renewed", "issued"), "*.crt", renewed: true);

        DateTimeOffset now = Now;
        var result = new List<PkiEntry>(index.Count);
        foreach (IndexEntry e in index)
        {
            string name;
            CertType? type = null;
            bool renewed = false;
            if (bySerial.TryGetValue(e.Serial, out var found))
            {
                (name, renewed) = (found.Name, found.Renewed);
                type = CertificateProfiles.TypeOf(found.Cert);
            }
            else
            {
                name = CnOf(e.Subject);
                string? file = new[] { Paths.CertBySerial(e.Serial), Paths.RevokedCert(e.Serial) }.FirstOrDefault(File.Exists);
                if (file is not null)
                {
                    try
                    {
                        type = CertificateProfiles.TypeOf(KeyStore.LoadCertificate(file));
                    }
                    catch (PkiException)
                    {
                        // A damaged copy only costs the type column; the database row still counts.
                    }
                }
            }
            CertStatus status = e.Status switch
            {
                'R' => CertStatus.Revoked,
                'E' => CertStatus.Expired,
                _ => e.NotAfter <= now ? CertStatus.Expired : CertStatus.Valid,
            };
            result.Add(new PkiEntry
            {
                Name = name,
                Type = type,
                Serial = e.Serial,
                Status = status,
                NotAfter = e.NotAfter,
                RevokedAt = e.RevokedAt,
                RevocationReason = e.ReasonText,
                Subject = e.Subject,
                Renewed = renewed,
            });
        }
        return result;

        void Scan(string dir, string pattern, bool renewed)
        {
            if (!Directory.Exists(dir))
            {
                return;
            }
            foreach (string file in Directory.EnumerateFiles(dir, pattern))
            {
                try
                {
                    X509Certificate2 cert = KeyStore.LoadCertificate(file);
                    bySerial[SerialHex(cert.SerialNumberBytes.Span)] = (Path.GetFileNameWithoutExtension(file), cert, renewed);
                }
                catch (PkiException)
                {
                    // Listed by its CN from index.txt instead.
                }
            }
        }
    }

    private static string CnOf(string oneLineSubject)
    {
        int i = oneLineSubject.LastIndexOf("/CN=", StringComparison.Ordinal);
        if (i < 0)
        {
            return oneLineSubject;
        }
        string cn = oneLineSubject[(i + 4)..];
        int slash = cn.IndexOf('/');
        return slash < 0 ? cn : cn[..slash];
    }
}
