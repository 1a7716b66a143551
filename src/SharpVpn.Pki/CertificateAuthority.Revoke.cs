using System.Formats.Asn1;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

public sealed partial class CertificateAuthority
{
    /// <summary>
    /// Marks issued/NAME.crt revoked in index.txt and moves its certificate, key and request to
    /// revoked/{certs,private,reqs}_by_serial/SERIAL.{crt,key,req} as easy-rsa 3.1 does, so the
    /// name can be issued again. Run <see cref="GenCrl"/> afterwards for it to take effect.
    /// </summary>
    public IndexEntry Revoke(string name, RevocationReason? reason = null)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        string certPath = Paths.IssuedCert(name);
        if (!File.Exists(certPath))
        {
            throw new PkiException($"Cannot revoke '{name}': there is no certificate {certPath}.");
        }
        X509Certificate2 cert = KeyStore.LoadCertificate(certPath);
        string serial = SerialHex(cert.SerialNumberBytes.Span);
        RequireCa();
        List<IndexEntry> index = CaDatabase.Load(Paths.Index);
        int at = index.FindIndex(e => e.Serial == serial);
        if (at < 0)
        {
            throw new PkiException($"The certificate {certPath} (serial {serial}) is not in the CA database {Paths.Index}; was it issued by this CA?");
        }
        if (index[at].Status == 'R')
        {
            throw new PkiException($"The certificate {certPath} (serial {serial}) is already revoked.");
        }
        foreach (string target in new[] { Paths.RevokedCert(serial), Paths.RevokedKey(serial), Paths.RevokedReq(serial) })
        {
            RefuseExisting(target, "revoked file", " (serial numbers must be unique; remove it by hand if it is stale)");
        }
        IndexEntry revoked = index[at] with
        {
            Status = 'R',
            RevokedAt = Now,
            ReasonText = reason is { } r ? CaDatabase.ReasonName(r) : null,
        };
        index[at] = revoked;

        var tx = NewTransaction();
        tx.WriteText(Paths.Index, CaDatabase.Format(index));
        tx.CreateDirectory(Paths.RevokedDir);
        tx.CreateDirectory(Path.GetDirectoryName(Paths.RevokedCert(serial))!);
        tx.CreateDirectory(Path.GetDirectoryName(Paths.RevokedKey(serial))!, secret: true);
        tx.CreateDirectory(Path.GetDirectoryName(Paths.RevokedReq(serial))!);
        tx.MoveIfExists(certPath, Paths.RevokedCert(serial));
        tx.MoveIfExists(Paths.PrivateKey(name), Paths.RevokedKey(serial));
        tx.MoveIfExists(Paths.Request(name), Paths.RevokedReq(serial));
        tx.DeleteIfExists(Paths.CertBySerial(serial));
        tx.Commit();
        return revoked;
    }

    /// <summary>
    /// Writes crl.pem listing every revoked entry of index.txt (including ones revoked by
    /// easy-rsa), valid for <paramref name="days"/> (default <see cref="PkiSettings.CrlDays"/>).
    /// </summary>
    public CrlInfo GenCrl(int? days = null)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        (X509Certificate2 ca, X509SignatureGenerator signer) = CaSigner();
        List<IndexEntry> index = CaDatabase.Load(Paths.Index);
        var builder = new CertificateRevocationListBuilder();
        int count = 0;
        foreach (IndexEntry e in index.Where(e => e.Status == 'R'))
        {
            X509RevocationReason? reason = e.ReasonText switch
            {
                null or "unspecified" => null,
                "keyCompromise" => X509RevocationReason.KeyCompromise,
                "CACompromise" => X509RevocationReason.CACompromise,
                "affiliationChanged" => X509RevocationReason.AffiliationChanged,
                "superseded" => X509RevocationReason.Superseded,
                "cessationOfOperation" => X509RevocationReason.CessationOfOperation,
                "certificateHold" => X509RevocationReason.CertificateHold,
                "removeFromCRL" => X509RevocationReason.RemoveFromCrl,
                _ => null, // holdInstruction/keyTime forms: listed without a reason code
            };
            builder.AddEntry(SerialBytes(e.Serial), e.RevokedAt, reason);
            count++;
        }
        int validDays = days ?? Settings.CrlDays;
        if (validDays < 1)
        {
            throw new PkiException($"CRL validity must be at least 1 day, got {validDays}.");
        }
        BigInteger number = ReadCrlNumber();
        DateTimeOffset now = Now;
        DateTimeOffset next = now.AddDays(validDays);
        byte[] der = builder.Build(ca.SubjectName, signer, number, next, Hash,
            CertificateProfiles.AuthorityKeyId(ca), now);

        var tx = NewTransaction();
        tx.WriteText(Paths.Crl, PemEncoding.WriteString("X509 CRL", der) + "\n");
        tx.WriteText(Paths.CrlNumber, Convert.ToHexString((number + 1).ToByteArray(isUnsigned: true, isBigEndian: true)) + "\n");
        tx.Commit();
        return new CrlInfo(now, next, count);
    }

    /// <summary>DER INTEGER content for a positive serial: a 0x00 byte in front when the top bit is set.</summary>
    private static byte[] SerialBytes(string hex)
    {
        byte[] raw = Convert.FromHexString(hex.Length % 2 == 0 ? hex : "0" + hex);
        return raw.Length > 0 && raw[0] >= 0x80 ? [0, .. raw] : raw;
    }

    private BigInteger ReadCrlNumber()
    {
        if (!File.Exists(Paths.CrlNumber))
        {
            return BigInteger.One;
        }
        string text = File.ReadAllText(Paths.CrlNumber).Trim();
        if (text.Length == 0 || !text.All(char.IsAsciiHexDigit))
        {
            throw new PkiException($"The CRL number file {Paths.CrlNumber} does not hold a hexadecimal number.");
        }
        return BigInteger.Parse("0" + text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    /// <summary>Dates of the current crl.pem, or null if there is none.</summary>
    public CrlInfo? ReadCrl()
    {
        if (!File.Exists(Paths.Crl))
        {
            return null;
        }
        string pem = File.ReadAllText(Paths.Crl);
        try
        {
            PemFields fields = PemEncoding.Find(pem);
            if (pem[fields.Label] != "X509 CRL")
            {
                throw new PkiException($"The CRL {Paths.Crl} is not a PEM 'X509 CRL'.");
            }
            byte[] der = Convert.FromBase64String(pem[fields.Base64Data]);
            // RFC 5280 §5.1: CertificateList ::= SEQUENCE { tbsCertList SEQUENCE { version INTEGER OPTIONAL,
            //   signature AlgorithmIdentifier, issuer Name, thisUpdate Time, nextUpdate Time OPTIONAL,
            //   revokedCertificates SEQUENCE OF ... OPTIONAL, crlExtensions [0] OPTIONAL }, ... }
            var reader = new AsnReader(der, AsnEncodingRules.DER);
            AsnReader tbs = reader.ReadSequence().ReadSequence();
            if (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Integer))
            {
                tbs.ReadInteger();
            }
            tbs.ReadSequence();
            tbs.ReadEncodedValue();
            DateTimeOffset thisUpdate = ReadTime(tbs);
            DateTimeOffset? nextUpdate = null;
            if (tbs.HasData && (tbs.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) || tbs.PeekTag().HasSameClassAndValue(Asn1Tag.GeneralizedTime)))
            {
                nextUpdate = ReadTime(tbs);
            }
            int revoked = 0;
            if (tbs.HasData && tbs.PeekTag().HasSameClassAndValue(Asn1Tag.Sequence))
            {
                AsnReader list = tbs.ReadSequence();
                while (list.HasData)
                {
                    list.ReadEncodedValue();
                    revoked++;
                }
            }
            return new CrlInfo(thisUpdate, nextUpdate, revoked);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or AsnContentException or CryptographicException)
        {
            throw new PkiException($"The CRL {Paths.Crl} is malformed or truncated.", ex);
        }

        static DateTimeOffset ReadTime(AsnReader r) =>
            r.PeekTag().HasSameClassAndValue(Asn1Tag.UtcTime) ? r.ReadUtcTime() : r.ReadGeneralizedTime();
    }
}
