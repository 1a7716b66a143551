using System.Globalization;
using System.Text;
using SharpVpn.Pki;

namespace SharpVpn.Cli.Pki;

/// <summary>Renders 'pki list': a plain aligned table (script-friendly), then warnings.</summary>
internal static class PkiListView
{
    public const int WarnDays = 30;

    public static string Render(IReadOnlyList<PkiEntry> entries, CrlInfo? crl, DateTimeOffset now, out List<string> warnings)
    {
        warnings = [];
        var rows = new List<string[]> { new[] { "NAME", "TYPE", "SERIAL", "STATUS", "EXPIRES", "DAYS LEFT" } };
        foreach (PkiEntry e in entries.OrderBy(e => e.Name, StringComparer.Ordinal).ThenBy(e => e.NotAfter))
        {
            int days = (int)Math.Floor((e.NotAfter - now).TotalDays);
            string status = e.Status switch
            {
                CertStatus.Revoked => "revoked" + (e.RevocationReason is { } r ? $" ({r})" : ""),
                CertStatus.Expired => "expired",
                _ => e.Renewed ? "valid (renewed)" : "valid",
            };
            rows.Add([
                e.Name,
                e.Type switch { CertType.Client => "client", CertType.Server => "server", CertType.ServerClient => "serverClient", CertType.Ca => "ca", _ => "?" },
                e.Serial,
                status,
                e.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                e.Status == CertStatus.Revoked ? "-" : days.ToString(CultureInfo.InvariantCulture),
            ]);
            if (e.Status == CertStatus.Valid && days < WarnDays)
            {
                warnings.Add($"certificate '{e.Name}' expires in {days} day(s) ({e.NotAfter:yyyy-MM-dd}); renew it with 'sharpvpn pki renew {e.Name}'.");
            }
        }

        int revoked = entries.Count(e => e.Status == CertStatus.Revoked);
        if (crl is null)
        {
            if (revoked > 0)
            {
                warnings.Add("there are revoked certificates but no crl.pem; run 'sharpvpn pki gen-crl' and deploy it.");
            }
        }
        else if (crl.NextUpdate is { } next)
        {
            int days = (int)Math.Floor((next - now).TotalDays);
            if (days < 0)
            {
                warnings.Add($"the CRL expired on {next:yyyy-MM-dd}: OpenVPN with crl-verify now rejects EVERY client; run 'sharpvpn pki gen-crl' now.");
            }
            else if (days < WarnDays)
            {
                warnings.Add($"the CRL expires in {days} day(s) ({next:yyyy-MM-dd}); when it does, OpenVPN with crl-verify rejects every client; run 'sharpvpn pki gen-crl'.");
            }
            if (crl.RevokedCount < revoked)
            {
                warnings.Add($"the CRL lists {crl.RevokedCount} revoked certificate(s) but the database has {revoked}; run 'sharpvpn pki gen-crl' and deploy it.");
            }
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(i => rows.Max(r => r[i].Length)).ToArray();
        var sb = new StringBuilder();
        foreach (string[] row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }
            sb.Append('\n');
        }
        if (crl?.NextUpdate is { } n)
        {
            sb.Append(CultureInfo.InvariantCulture, $"CRL: {crl.RevokedCount} revoked, next update {n:yyyy-MM-dd} ({(int)Math.Floor((n - now).TotalDays)} days left)\n");
        }
        return sb.ToString();
    }
}
