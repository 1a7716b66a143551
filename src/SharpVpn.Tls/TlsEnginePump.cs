namespace SharpVpn.Tls;

/// <summary>Two TLS engines talking in memory, with no network between them (the server's start-up warm-up, tests).</summary>
public static class TlsEnginePump
{
    /// <summary>Hands everything <paramref name="from"/> has to send to <paramref name="to"/>; true if anything moved.</summary>
    public static bool Move(ITlsEngine from, ITlsEngine to, byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        bool moved = false;
        int n;
        while ((n = from.TakeCiphertext(buffer)) > 0)
        {
            to.FeedCiphertext(buffer.AsSpan(0, n));
            moved = true;
        }
        return moved;
    }
}
