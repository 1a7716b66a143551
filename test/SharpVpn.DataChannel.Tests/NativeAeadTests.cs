using System.Security.Cryptography;

namespace SharpVpn.DataChannel.Tests;

/// <summary>The libcrypto EVP fast path and the managed AesGcm/ChaCha20Poly1305 path are interchangeable.</summary>
public class NativeAeadTests
{
    // The suite also runs with SHARPVPN_MANAGED_AEAD=1 to cover the managed fallback everywhere.
    private static bool ManagedForced => Environment.GetEnvironmentVariable("SHARPVPN_MANAGED_AEAD") == "1";

    [Fact]
    public void NativePath_IsUsedOnThisMachine()
    {
        Assert.True(OperatingSystem.IsLinux());
        if (ManagedForced)
        {
            Assert.False(OpenSslAead.IsAvailable);
            return;
        }

        Assert.True(OpenSslAead.IsAvailable, "libcrypto.so.3 should be loadable here");
        using DataChannelKey key = DataChannelKey.Create(DataCipherSuite.Parse("AES-256-GCM"), new byte[256], false, 0);
        Assert.True(key.IsNativeAead);
        using DataChannelKey managed = DataChannelKey.CreateManagedForTest(DataCipherSuite.Parse("AES-256-GCM"), new byte[256], false, 0);
        Assert.False(managed.IsNativeAead);
    }

    [Theory]
    [InlineData("AES-128-GCM")]
    [InlineData("AES-192-GCM")]
    [InlineData("AES-256-GCM")]
    [InlineData("CHACHA20-POLY1305")]
    public void NativeAndManaged_Interoperate_BothWays(string cipher)
    {
        DataCipherSuite suite = DataCipherSuite.Parse(cipher);
        byte[] km = RandomNumberGenerator.GetBytes(256);
        using DataChannelKey nativeClient = DataChannelKey.Create(suite, km, false, 2);
        using DataChannelKey managedServer = DataChannelKey.CreateManagedForTest(suite, km, true, 2);
        using DataChannelKey managedClient = DataChannelKey.CreateManagedForTest(suite, km, false, 2);
        using DataChannelKey nativeServer = DataChannelKey.Create(suite, km, true, 2);
        byte[] wire = new byte[2000];
        byte[] wire2 = new byte[2000];
        byte[] plain = new byte[2000];
        foreach (int size in new[] { 1, 16, 100, 1420 })
        {
            byte[] payload = RandomNumberGenerator.GetBytes(size);
            foreach (int peerId in new[] { -1, 77 })
            {
                int n = nativeClient.Encrypt(payload, wire, peerId);
                int m = managedClient.Encrypt(payload, wire2, peerId);
                Assert.Equal(Hex.Of(wire2.AsSpan(0, m)), Hex.Of(wire.AsSpan(0, n)));   // same key, same packet-id: same bytes

                Assert.Equal(DataDecryptResult.Ok, managedServer.Decrypt(wire.AsSpan(0, n), plain, 0, out int len));
                Assert.Equal(payload, plain[..len]);
                Assert.Equal(DataDecryptResult.Ok, nativeServer.Decrypt(wire2.AsSpan(0, m), plain, 0, out len));
                Assert.Equal(payload, plain[..len]);
            }
        }
    }

    [Fact]
    public void Native_BadTag_ZeroesDestination_AndDoesNotPoisonLaterCrypto()
    {
        DataCipherSuite suite = DataCipherSuite.Parse("AES-256-GCM");
        byte[] km = RandomNumberGenerator.GetBytes(256);
        using DataChannelKey client = DataChannelKey.Create(suite, km, false, 0);
        using DataChannelKey server = DataChannelKey.Create(suite, km, true, 0);
        byte[] payload = RandomNumberGenerator.GetBytes(64);
        byte[] wire = new byte[200];
        int n = client.Encrypt(payload, wire, 1);
        wire[n - 1] ^= 0x80;
        byte[] plain = new byte[200];
        plain.AsSpan().Fill(0xEE);
        Assert.Equal(DataDecryptResult.AuthenticationFailed, server.Decrypt(wire.AsSpan(0, n), plain, 0, out int len));
        Assert.Equal(0, len);
        Assert.All(plain[..64], b => Assert.Equal(0, b));

        // The OpenSSL error queue is left clean: .NET's own crypto on this thread still works.
        using var gcm = new AesGcm(new byte[32], 16);
        byte[] ct = new byte[10];
        byte[] tag = new byte[16];
        gcm.Encrypt(new byte[12], new byte[10], ct, tag);
        gcm.Decrypt(new byte[12], ct, tag, new byte[10]);
        Assert.Equal(32, HMACSHA256.HashData(new byte[1], new byte[1]).Length);

        wire[n - 1] ^= 0x80;
        Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 0, out len));
        Assert.Equal(payload, plain[..len]);
    }

    [Fact]
    public void PartialOverlap_IsACallerBug_NotSilentCorruption()
    {
        if (ManagedForced)
        {
            return; // the managed classes copy internally; only libcrypto needs the guard
        }

        using DataChannelKey key = DataChannelKey.Create(DataCipherSuite.Parse("AES-256-GCM"), new byte[256], false, 0);
        byte[] buf = new byte[200];
        Assert.Throws<ArgumentException>(() => key.Encrypt(buf.AsSpan(10, 50), buf, 1));   // payload must sit at offset 24 or elsewhere
        Assert.True(key.Encrypt(buf.AsSpan(24, 50), buf, 1) > 0);
    }
}
