using System.Security.Cryptography;

namespace SharpVpn.DataChannel.Tests;

/// <summary>A renegotiation may retire (dispose) a key while the data threads still use it.</summary>
public class DisposeRaceTests
{
    [Theory]
    [InlineData("AES-256-GCM", null, false)]
    [InlineData("AES-256-GCM", null, true)]
    [InlineData("CHACHA20-POLY1305", null, false)]
    [InlineData("AES-256-CBC", "SHA1", false)]
    public async Task DisposeDuringTraffic_NeverCrashes_ThenDrops(string cipher, string? auth, bool managed)
    {
        DataCipherSuite suite = DataCipherSuite.Parse(cipher, auth);
        for (int round = 0; round < 20; round++)
        {
            byte[] km = RandomNumberGenerator.GetBytes(256);
            DataChannelKey client = managed ? DataChannelKey.CreateManagedForTest(suite, km, false, 0) : DataChannelKey.Create(suite, km, false, 0);
            DataChannelKey server = managed ? DataChannelKey.CreateManagedForTest(suite, km, true, 0) : DataChannelKey.Create(suite, km, true, 0);
            byte[] sample = new byte[2000];
            int sampleLength = client.Encrypt(new byte[1400], sample, 1);
            using var stop = new CancellationTokenSource();

            Task sender = Task.Run(() =>
            {
                byte[] wire = new byte[2000];
                while (!stop.IsCancellationRequested)
                {
                    int n = client.Encrypt(new byte[1400], wire, 1);
                    Assert.True(n == 0 || n == sampleLength);
                }
            });
            Task receiver = Task.Run(() =>
            {
                byte[] plain = new byte[2000];
                while (!stop.IsCancellationRequested)
                {
                    DataDecryptResult r = server.Decrypt(sample.AsSpan(0, sampleLength), plain, 0, out _);
                    Assert.True(r is DataDecryptResult.Ok or DataDecryptResult.Replay or DataDecryptResult.KeyDisposed, r.ToString());
                }
            });

            await Task.Delay(5 + round);
            client.Dispose();
            server.Dispose();
            await Task.Delay(5);
            await stop.CancelAsync();
            await Task.WhenAll(sender, receiver);

            Assert.Equal(0, client.Encrypt(new byte[10], new byte[100], 1));
            Assert.Equal(DataDecryptResult.KeyDisposed, server.Decrypt(sample.AsSpan(0, sampleLength), new byte[2000], 0, out _));
        }
    }
}
