using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>Moves ciphertext between two engines until neither has anything to send.</summary>
internal static class TlsPair
{
    public static void Pump(ITlsEngine a, ITlsEngine b, int sliceBytes = int.MaxValue)
    {
        var buffer = new byte[64 * 1024];
        for (int round = 0; round < 100; round++)
        {
            bool moved = Move(a, b, buffer, sliceBytes) | Move(b, a, buffer, sliceBytes);
            if (!moved)
            {
                return;
            }
        }
        throw new InvalidOperationException("TLS engines kept talking for 100 rounds.");
    }

    private static bool Move(ITlsEngine from, ITlsEngine to, byte[] buffer, int sliceBytes)
    {
        int n = from.TakeCiphertext(buffer);
        for (int off = 0; off < n; off += sliceBytes)
        {
            to.FeedCiphertext(buffer.AsSpan(off, Math.Min(sliceBytes, n - off)));
        }
        return n > 0;
    }

    public static byte[] ReadAll(ITlsEngine engine)
    {
        var result = new byte[engine.PendingPlaintextBytes];
        int n = engine.ReadPlaintext(result);
        return result[..n];
    }
}
