namespace SharpVpn.Pki;

/// <summary>
/// An exclusive lock on a PKI directory (pki/.sharpvpn.lock, flock'ed by .NET's FileShare.None
/// on Unix) held from reading index.txt to committing, so two commands running at once cannot
/// both append to the database and lose an entry. easy-rsa itself does not lock; this only
/// orders our own processes.
/// </summary>
internal static class PkiLock
{
    public static IDisposable Acquire(string root, TimeSpan? wait = null)
    {
        string path = Path.Combine(root, ".sharpvpn.lock");
        DateTime deadline = DateTime.UtcNow + (wait ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline && Directory.Exists(root))
            {
                Thread.Sleep(50);
            }
            catch (IOException ex)
            {
                throw new PkiException($"The PKI {root} is locked by another command ({path}); try again when it has finished.", ex);
            }
        }
    }
}
