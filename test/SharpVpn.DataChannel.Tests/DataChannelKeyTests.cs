using System.Security.Cryptography;

namespace SharpVpn.DataChannel.Tests;

public class DataChannelKeyTests
{
    public static TheoryData<string, string?> Suites => new()
    {
        { "AES-128-GCM", null },
        { "AES-192-GCM", null },
        { "AES-256-GCM", null },
        { "CHACHA20-POLY1305", null },
        { "AES-128-CBC", "SHA1" },
        { "AES-192-CBC", "SHA256" },
        { "AES-256-CBC", "SHA1" },
        { "AES-256-CBC", "SHA384" },
        { "AES-256-CBC", "SHA512" },
    };

    private static (DataChannelKey Client, DataChannelKey Server) Pair(string cipher, string? auth, byte keyId = 0)
    {
        byte[] km = RandomNumberGenerator.GetBytes(256);
        DataCipherSuite suite = DataCipherSuite.Parse(cipher, auth);
        return (DataChannelKey.Create(suite, km, false, keyId), DataChannelKey.Create(suite, km, true, keyId));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void RoundTrip_BothDirections_AllSizes_V1AndV2(string cipher, string? auth)
    {
        (DataChannelKey client, DataChannelKey server) = Pair(cipher, auth, keyId: 3);
        using (client)
        using (server)
        {
            byte[] wire = new byte[2000];
            byte[] plain = new byte[2000];
            uint expectedId = 0;
            foreach (int size in new[] { 1, 2, 15, 16, 17, 31, 32, 100, 1420, 1500 })
            {
                foreach (int peerId in new[] { -1, 0, 5, 0xABCDEF, 0xFFFFFF })
                {
                    expectedId++;
                    byte[] payload = RandomNumberGenerator.GetBytes(size);

                    int n = client.Encrypt(payload, wire, peerId);
                    Assert.Equal(client.GetEncryptedLength(size, peerId), n);
                    Assert.True(DataPacketHeader.TryParse(wire.AsSpan(0, n), out int kid, out int pid, out int hl));
                    Assert.Equal(3, kid);
                    Assert.Equal(peerId, pid);
                    Assert.Equal(peerId < 0 ? 1 : 4, hl);
                    Assert.Equal(peerId < 0 ? 0x33 : 0x4b, wire[0]);
                    Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 1000, out int len));
                    Assert.Equal(payload, plain[..len]);

                    n = server.Encrypt(payload, wire, peerId);
                    Assert.Equal(DataDecryptResult.Ok, client.Decrypt(wire.AsSpan(0, n), plain, 1000, out len));
                    Assert.Equal(payload, plain[..len]);
                }
            }

            Assert.Equal(expectedId, (uint)client.LastSentPacketId);
            Assert.Equal(expectedId, server.HighestReceivedPacketId);
            Assert.Equal(expectedId, (ulong)client.PacketsOut);
            Assert.Equal(expectedId, (ulong)server.PacketsIn);
            Assert.Equal(client.BytesOut, server.BytesIn);
        }
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Tamper_AnyByteAfterHeader_IsAuthenticationFailure(string cipher, string? auth)
    {
        (DataChannelKey client, DataChannelKey server) = Pair(cipher, auth);
        using (client)
        using (server)
        {
            byte[] payload = RandomNumberGenerator.GetBytes(64);
            byte[] wire = new byte[200];
            int n = client.Encrypt(payload, wire, 7);
            byte[] plain = new byte[200];
            for (int i = 4; i < n; i++)
            {
                byte[] bad = wire[..n];
                bad[i] ^= 0x01;
                Assert.Equal(DataDecryptResult.AuthenticationFailed, server.Decrypt(bad, plain, 0, out _));
            }

            Assert.Equal(n - 4, server.AuthenticationFailures);
            Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 0, out int len));
            Assert.Equal(payload, plain[..len]);
        }
    }

    [Fact]
    public void Aead_PeerIdIsAuthenticated_ButCbcHeaderIsNot()
    {
        // AEAD V2: header bytes are AAD (pitfall 18). CBC: header not covered (pitfall 19).
        (DataChannelKey c1, DataChannelKey s1) = Pair("AES-256-GCM", null);
        (DataChannelKey c2, DataChannelKey s2) = Pair("AES-256-CBC", "SHA1");
        byte[] wire = new byte[200];
        byte[] plain = new byte[200];
        int n = c1.Encrypt(new byte[10], wire, 7);
        wire[3] = 8;
        Assert.Equal(DataDecryptResult.AuthenticationFailed, s1.Decrypt(wire.AsSpan(0, n), plain, 0, out _));

        n = c2.Encrypt(new byte[10], wire, 7);
        wire[3] = 8;
        Assert.Equal(DataDecryptResult.Ok, s2.Decrypt(wire.AsSpan(0, n), plain, 0, out _));
        c1.Dispose(); s1.Dispose(); c2.Dispose(); s2.Dispose();
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Replay_IsRejected_AfterAuthentication(string cipher, string? auth)
    {
        (DataChannelKey client, DataChannelKey server) = Pair(cipher, auth);
        using (client)
        using (server)
        {
            byte[] wire = new byte[200];
            byte[] plain = new byte[200];
            int n = client.Encrypt(new byte[20], wire, -1);
            Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 0, out _));
            Assert.Equal(DataDecryptResult.Replay, server.Decrypt(wire.AsSpan(0, n), plain, 0, out _));
            Assert.Equal(1, server.ReplaysDropped);
        }
    }

    [Fact]
    public void AeadV1_OpcodeByteIsNotAuthenticated_KeyIdSelectsKey()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-128-GCM", null, keyId: 2);
        byte[] wire = new byte[200];
        byte[] plain = new byte[200];
        int n = client.Encrypt(new byte[20], wire, -1);
        Assert.Equal(0x32, wire[0]);
        byte[] other = wire[..n];
        other[0] = 0x31;
        Assert.Equal(DataDecryptResult.WrongKeyId, server.Decrypt(other, plain, 0, out _));
        other[0] = 0x20 | 2; // P_CONTROL_V1
        Assert.Equal(DataDecryptResult.NotDataPacket, server.Decrypt(other, plain, 0, out _));
        Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 0, out _));
        client.Dispose(); server.Dispose();
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void Truncated_IsTooShortOrAuthFailure_NeverThrows(string cipher, string? auth)
    {
        (DataChannelKey client, DataChannelKey server) = Pair(cipher, auth);
        using (client)
        using (server)
        {
            byte[] wire = new byte[200];
            byte[] plain = new byte[200];
            int n = client.Encrypt(new byte[40], wire, 1);
            for (int len = 0; len < n; len++)
            {
                DataDecryptResult r = server.Decrypt(wire.AsSpan(0, len), plain, 0, out int pl);
                Assert.NotEqual(DataDecryptResult.Ok, r);
                Assert.Equal(0, pl);
            }
        }
    }

    [Fact]
    public void Aead_EmptyCiphertext_IsTooShort()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-256-GCM", null);
        byte[] wire = new byte[100];
        int n = client.Encrypt(ReadOnlySpan<byte>.Empty, wire, 1);
        Assert.Equal(24, n);
        Assert.Equal(DataDecryptResult.TooShort, server.Decrypt(wire.AsSpan(0, n), new byte[10], 0, out _));
        client.Dispose(); server.Dispose();
    }

    [Fact]
    public void DestinationTooSmall_IsReported()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("CHACHA20-POLY1305", null);
        byte[] wire = new byte[100];
        int n = client.Encrypt(new byte[50], wire, 1);
        Assert.Equal(DataDecryptResult.DestinationTooSmall, server.Decrypt(wire.AsSpan(0, n), new byte[49], 0, out _));
        Assert.Throws<ArgumentException>(() => client.Encrypt(new byte[50], new byte[60], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Encrypt(new byte[5], wire, 0x1000000));
        client.Dispose(); server.Dispose();
    }

    [Fact]
    public void Aead_InPlace_SealAndOpen()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-256-GCM", null);
        byte[] payload = RandomNumberGenerator.GetBytes(1400);
        byte[] buf = new byte[1500];
        int off = client.GetPayloadOffset(9);
        Assert.Equal(24, off);
        payload.CopyTo(buf, off);
        int n = client.Encrypt(buf.AsSpan(off, payload.Length), buf, 9);
        Assert.Equal(DataDecryptResult.Ok, server.Decrypt(buf.AsSpan(0, n), buf.AsSpan(off), 0, out int len));
        Assert.Equal(payload, buf.AsSpan(off, len).ToArray());
        client.Dispose(); server.Dispose();
    }

    [Fact]
    public void PacketIds_StartAtOne_AndAreBigEndianAfterHeader()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-256-GCM", null);
        byte[] wire = new byte[100];
        client.Encrypt(new byte[3], wire, 0x010203);
        Assert.Equal("48010203" + "00000001", Hex.Of(wire.AsSpan(0, 8)));
        client.Encrypt(new byte[3], wire, -1);
        Assert.Equal("30" + "00000002", Hex.Of(wire.AsSpan(0, 5)));
        Assert.False(client.ShouldRenegotiate);
        client.Dispose(); server.Dispose();
    }

    [Fact]
    public void Cbc_IvIsFreshPerPacket()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-256-CBC", "SHA1");
        var ivs = new HashSet<string>();
        byte[] wire = new byte[100];
        byte[] plain = new byte[100];
        for (int i = 0; i < 300; i++)
        {
            int n = client.Encrypt(new byte[10], wire, -1);
            Assert.True(ivs.Add(Hex.Of(wire.AsSpan(1 + 20, 16))));
            Assert.Equal(DataDecryptResult.Ok, server.Decrypt(wire.AsSpan(0, n), plain, 0, out _));
        }

        client.Dispose(); server.Dispose();
    }

    [Fact]
    public void Keys_AreDirectional()
    {
        byte[] km = RandomNumberGenerator.GetBytes(256);
        DataCipherSuite suite = DataCipherSuite.Parse("aes-256-gcm");
        using DataChannelKey a = DataChannelKey.Create(suite, km, false, 0);
        using DataChannelKey b = DataChannelKey.Create(suite, km, false, 0);
        byte[] wire = new byte[100];
        int n = a.Encrypt(new byte[10], wire, -1);
        // Another client cannot open a client's packet (it decrypts with the server->client half).
        Assert.Equal(DataDecryptResult.AuthenticationFailed, b.Decrypt(wire.AsSpan(0, n), new byte[100], 0, out _));
    }

    [Fact]
    public async Task ConcurrentEncryptAndDecrypt_OnOneKey()
    {
        (DataChannelKey client, DataChannelKey server) = Pair("AES-256-GCM", null);
        const int count = 20000;
        var toServer = new System.Collections.Concurrent.BlockingCollection<byte[]>();
        Task sender = Task.Run(() =>
        {
            byte[] w = new byte[200];
            for (int i = 0; i < count; i++)
            {
                int n = client.Encrypt(BitConverter.GetBytes(i), w, 1);
                toServer.Add(w[..n]);
            }

            toServer.CompleteAdding();
        });
        Task echo = Task.Run(() =>
        {
            // server decrypts on this thread while also encrypting on another
            byte[] p = new byte[200];
            foreach (byte[] pkt in toServer.GetConsumingEnumerable())
            {
                Assert.Equal(DataDecryptResult.Ok, server.Decrypt(pkt, p, 0, out _));
            }
        });
        Task serverSend = Task.Run(() =>
        {
            byte[] w = new byte[200];
            byte[] p = new byte[200];
            for (int i = 0; i < count; i++)
            {
                int n = server.Encrypt(new byte[30], w, 1);
                Assert.Equal(DataDecryptResult.Ok, client.Decrypt(w.AsSpan(0, n), p, 0, out _));
            }
        });
        await Task.WhenAll(sender, echo, serverSend);
        Assert.Equal(count, server.PacketsIn);
        Assert.Equal(count, client.PacketsIn);
        client.Dispose(); server.Dispose();
    }
}
