using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Pki;

public sealed partial class CertificateAuthority
{
    /// <summary>
    /// Makes private/NAME.key and reqs/NAME.req (easy-rsa gen-req). The subject CN is
    /// <paramref name="commonName"/>, else <see cref="PkiSettings.RequestCn"/>, else NAME.
    /// </summary>
    public string GenReq(string name, KeyOptions? key = null, string? commonName = null, bool force = false)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        var tx = NewTransaction();
        StageGenReq(tx, name, key, commonName, force, out _);
        tx.Commit();
        return Paths.Request(name);
    }

    private CertificateRequest StageGenReq(PkiTransaction tx, string name, KeyOptions? keyOptions, string? commonName, bool force, out AsymmetricAlgorithm key)
    {
        string keyPath = Paths.PrivateKey(name);
        string reqPath = Paths.Request(name);
        if (!force)
        {
            RefuseExisting(keyPath, "private key");
            RefuseExisting(reqPath, "request");
        }
        keyOptions ??= Settings.KeyOptions();
        key = KeyStore.Generate(keyOptions);
        X500DistinguishedName subject = BuildSubject(commonName ?? Settings.RequestCn ?? name);
        CertificateRequest req = NewRequest(subject, key, Hash);
        tx.WriteText(keyPath, KeyStore.ExportPrivateKeyPem(key, keyOptions.Passphrase), secret: true);
        tx.WriteText(reqPath, req.CreateSigningRequestPem(SignatureGenerator(key)) + "\n");
        return req;
    }

    /// <summary>Copies a request made elsewhere to reqs/NAME.req after checking it parses and its signature verifies.</summary>
    public void ImportReq(string file, string name, bool force = false)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        string reqPath = Paths.Request(name);
        if (!force)
        {
            RefuseExisting(reqPath, "request");
        }
        KeyStore.LoadRequest(file, Hash);
        var tx = NewTransaction();
        tx.Write(reqPath, File.ReadAllBytes(file));
        tx.Commit();
    }

    /// <summary>
    /// Signs reqs/NAME.req as a client or server certificate into issued/NAME.crt, and records it
    /// in index.txt and certs_by_serial/ as <c>openssl ca</c> would. A server certificate gets the
    /// given SANs, else the request's SAN, else DNS:CN (or IP:CN), as easy-rsa does.
    /// </summary>
    public IssuedCertificate SignReq(CertType type, string name, int? days = null, IReadOnlyList<string>? subjectAltNames = null, bool force = false)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        string reqPath = Paths.Request(name);
        CertificateRequest request = KeyStore.LoadRequest(reqPath, Hash);
        var tx = NewTransaction();
        IssuedCertificate issued = StageSign(tx, type, name, request, days, subjectAltNames, force);
        tx.Commit();
        return issued;
    }

    public IssuedCertificate BuildServerFull(string name, KeyOptions? key = null, int? days = null, IReadOnlyList<string>? subjectAltNames = null) =>
        BuildFull(CertType.Server, name, key, days, subjectAltNames);

    public IssuedCertificate BuildClientFull(string name, KeyOptions? key = null, int? days = null, IReadOnlyList<string>? subjectAltNames = null) =>
        BuildFull(CertType.Client, name, key, days, subjectAltNames);

    /// <summary>Key, request and certificate in one step (easy-rsa build-*-full); the CN is NAME.</summary>
    public IssuedCertificate BuildFull(CertType type, string name, KeyOptions? key = null, int? days = null, IReadOnlyList<string>? subjectAltNames = null)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        PkiPaths.CheckName(name);
        RefuseExisting(Paths.Request(name), "request");
        RefuseExisting(Paths.PrivateKey(name), "private key");
        RefuseExisting(Paths.IssuedCert(name), "certificate");
        CaSigner(); // fail on a wrong CA passphrase before spending time on a key
        var tx = NewTransaction();
        CertificateRequest req = StageGenReq(tx, name, key, name, force: false, out AsymmetricAlgorithm privateKey);
        using (privateKey)
        {
            // Sign a request built from the public key, as a request loaded from disk would be.
            var fromDisk = new CertificateRequest(req.SubjectName, req.PublicKey, Hash);
            IssuedCertificate issued = StageSign(tx, type, name, fromDisk, days, subjectAltNames, force: false);
            tx.Commit();
            return issued with { KeyPath = Paths.PrivateKey(name) };
        }
    }

    /// <summary>
    /// Issues a fresh certificate for NAME with the same key, subject, type and SAN, valid for
    /// <paramref name="days"/>. The old certificate moves to renewed/issued/NAME.crt (easy-rsa
    /// 3.1.0's layout, so its <c>revoke-renewed</c> works) and stays valid until revoked.
    /// </summary>
    public IssuedCertificate Renew(string name, int? days = null)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        string certPath = Paths.IssuedCert(name);
        X509Certificate2 old = KeyStore.LoadCertificate(certPath);
        CertType type = CertificateProfiles.TypeOf(old) is { } t and not CertType.Ca ? t
            : throw new PkiException($"The certificate {certPath} has no client/server extended key usage, so its type to renew as is unknown.");
        string renewed = Paths.RenewedCert(name);
        RefuseExisting(renewed, "renewed certificate", " (revoke the earlier renewal with 'easyrsa revoke-renewed' or remove it first)");
        X509Extension? san = old.Extensions[CertificateProfiles.OidSubjectAltName];
        var request = new CertificateRequest(old.SubjectName, old.PublicKey, Hash);
        if (san is not null)
        {
            request.CertificateExtensions.Add(san);
        }
        var tx = NewTransaction();
        tx.CreateDirectory(Path.GetDirectoryName(renewed)!);
        tx.MoveIfExists(certPath, renewed);
        tx.DeleteIfExists(Paths.CertBySerial(SerialHex(old.SerialNumberBytes.Span)));
        IssuedCertificate issued = StageSign(tx, type, name, request, days, null, force: true);
        tx.Commit();
        return issued with { KeyPath = File.Exists(Paths.PrivateKey(name)) ? Paths.PrivateKey(name) : null };
    }

    private IssuedCertificate StageSign(PkiTransaction tx, CertType type, string name, CertificateRequest request,
        int? days, IReadOnlyList<string>? subjectAltNames, bool force)
    {
        string certPath = Paths.IssuedCert(name);
        if (!force)
        {
            RefuseExisting(certPath, "certificate", " (revoke it first, or use --force)");
        }
        if (type is CertType.Ca)
        {
            throw new PkiException("Signing sub-CA requests is not supported; sign as client, server or serverClient.");
        }
        (X509Certificate2 ca, X509SignatureGenerator signer) = CaSigner();
        List<IndexEntry> index = CaDatabase.Load(Paths.Index);

        X509Extension? san = CertificateProfiles.ParseSan(subjectAltNames);
        if (san is null && type is CertType.Server or CertType.ServerClient)
        {
            san = request.CertificateExtensions.FirstOrDefault(e => e.Oid?.Value == CertificateProfiles.OidSubjectAltName)
                ?? CertificateProfiles.DefaultServerSan(CommonName(request.SubjectName) ?? name);
        }

        // Only the subject and public key come from the request; the extensions are ours.
        var toSign = new CertificateRequest(request.SubjectName, request.PublicKey, Hash);
        CertificateProfiles.AddLeafExtensions(toSign, type, ca, san);

        DateTimeOffset now = Now;
        int validDays = days ?? Settings.CertDays;
        if (validDays < 1)
        {
            throw new PkiException($"Validity must be at least 1 day, got {validDays}.");
        }
        DateTimeOffset notAfter = now.AddDays(validDays);
        if (notAfter > ca.NotAfter)
        {
            // openssl ca would issue it, but the chain would stop verifying when the CA expires.
            notAfter = new DateTimeOffset(ca.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        }
        byte[] serial = NewSerial(index.Select(e => e.Serial).ToHashSet());
        X509Certificate2 cert = toSign.Create(ca.SubjectName, signer, now, notAfter, serial);
        string serialHex = SerialHex(serial);
        string pem = KeyStore.ToPem(cert);

        index.Add(new IndexEntry
        {
            Status = 'V',
            NotAfter = notAfter,
            Serial = serialHex,
            Subject = CaDatabase.OneLine(cert.SubjectName),
        });
        tx.CreateDirectory(Paths.IssuedDir);
        tx.CreateDirectory(Paths.CertsBySerialDir);
        tx.WriteText(Paths.CertBySerial(serialHex), pem);
        tx.WriteText(certPath, pem);
        tx.WriteText(Paths.Index, CaDatabase.Format(index));
        tx.WriteText(Paths.Serial, NextSerialFileText(serial));
        return new IssuedCertificate
        {
            Name = name,
            Type = type,
            Serial = serialHex,
            NotAfter = notAfter,
            CertificatePath = certPath,
            KeyPath = File.Exists(Paths.PrivateKey(name)) || tx.WillWrite(Paths.PrivateKey(name)) ? Paths.PrivateKey(name) : null,
            Certificate = cert,
        };
    }

    internal static string? CommonName(X500DistinguishedName name)
    {
        foreach (X500RelativeDistinguishedName rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (rdn.GetSingleElementType().Value == "2.5.4.3")
            {
                return rdn.GetSingleElementValue();
            }
        }
        return null;
    }

    private static void RefuseExisting(string path, string what, string hint = " (use --force to replace it)")
    {
        if (File.Exists(path))
        {
            throw new PkiException($"The {what} {path} already exists{hint}.");
        }
    }
}
