using System.Security.Cryptography;
using SharpVpn.DataChannel;

namespace SharpVpn.Benchmarks;

internal static class BenchKeys
{
    public const int PacketSize = 1420;

    public static (DataChannelKey Client, DataChannelKey Server) Pair(string cipher, string? auth = null, int replayWindow = 64)
    {
        byte[] km = RandomNumberGenerator.GetBytes(256);
        DataCipherSuite suite = DataCipherSuite.Parse(cipher, auth);
        return (DataChannelKey.Create(suite, km, false, 0, replayWindow), DataChannelKey.Create(suite, km, true, 0, replayWindow));
    }
}
