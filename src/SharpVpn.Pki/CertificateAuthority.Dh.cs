namespace SharpVpn.Pki;

public sealed partial class CertificateAuthority
{
    /// <summary>
    /// Writes pki/dh.pem: RFC 7919 ffdhe2048 (instant) when <paramref name="generateBits"/> is
    /// null, else a freshly generated safe prime of that size (minutes for 2048 bits).
    /// </summary>
    public string GenDh(int? generateBits = null, Action<char>? progress = null, bool force = false, CancellationToken cancellationToken = default)
    {
        using IDisposable pkiLock = PkiLock.Acquire(Paths.Root);
        if (!force)
        {
            RefuseExisting(Paths.Dh, "DH parameters file");
        }
        string pem = generateBits is { } bits
            ? DhParameters.Generate(bits, progress, cancellationToken)
            : DhParameters.Ffdhe2048Pem;
        var tx = NewTransaction();
        tx.WriteText(Paths.Dh, pem);
        tx.Commit();
        return Paths.Dh;
    }
}
