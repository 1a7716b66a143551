using System.Text;

namespace SharpVpn.DataChannel.Tests;

public class KnownAnswerPacketTests
{
    // openvpn-protocol.md §14.5: OpenVPN master tests/unit_tests/openvpn/test_ssl.c
    // test_data_channel_known_vectors_shortpktid (the 2.6 AEAD format).
    [Fact]
    public void AeadPacket_MatchesOpenVpnTestSslVector()
    {
        byte[] k = Encoding.ASCII.GetBytes("abcdefgh01234567ABCDEFGHjkuchenl");
        byte[] key2 = new byte[256];
        for (int i = 0; i < 256; i++)
        {
            key2[i] = (byte)(k[i % 32] ^ i);
        }

        Assert.Equal("616361676163616f3838383838383838515351575153515f72726f7874787073", Hex.Of(key2.AsSpan(0, 32)));
        Assert.Equal("212321272123212f", Hex.Of(key2.AsSpan(64, 8)));

        using DataChannelKey key = DataChannelKey.Create(DataCipherSuite.Parse("AES-256-GCM"), key2, isServer: false, keyId: 0);
        byte[] plain = Encoding.ASCII.GetBytes("The quick little fox jumps over the bureaucratic hurdles");
        byte[] packet = new byte[4 + 4 + 16 + plain.Length];
        Hex.Parse("07000017").CopyTo(packet, 0);
        int n = key.AeadSealerForTest!.Seal(packet, 4, authenticateHeader: true, packetId: 1, plain);

        Assert.Equal(packet.Length, n);
        Assert.Equal("00000001", Hex.Of(packet.AsSpan(4, 4)));
        Assert.Equal("1fdd908f0e9dc25e79d832020d58e73f", Hex.Of(packet.AsSpan(8, 16)));
        Assert.Equal("a82e6b1706d9", Hex.Of(packet.AsSpan(4 + 30, 6)));
        Assert.Equal(
            "07000017000000011fdd908f0e9dc25e79d832020d58e73f" +
            "2262f977d6bb2118fa0ea82e6b1706d949aefcb5efcbbacd5c09a9ab45f4d391" +
            "d3f68794cb0b82c3d33389b61622b3281598e2ff6d5cc38b",
            Hex.Of(packet));
    }

    // openvpn-protocol.md §14.6: key expansion, then a client -> server AES-128-CBC/SHA1 P_DATA_V2
    // packet (peer-id 5, packet-id 1, IV f0..ff, plaintext = ping magic).
    [Fact]
    public void CbcPacket_MatchesWorkedExample()
    {
        byte[] key2 = KeyExpansion.DeriveKeyMaterial(
            Hex.Range(0x00, 48), Hex.Range(0x40, 32), Hex.Range(0x60, 32), Hex.Range(0x80, 32), Hex.Range(0xa0, 32),
            Hex.Parse("0102030405060708"), Hex.Parse("1112131415161718"));
        using DataChannelKey client = DataChannelKey.Create(DataCipherSuite.Parse("AES-128-CBC", "SHA1"), key2, isServer: false, keyId: 0);

        byte[] packet = new byte[100];
        int h = DataPacketHeader.Write(packet, 0, 5);
        int n = client.CbcSealerForTest!.Seal(packet, h, 1, DataChannelMessages.PingMagic, Hex.Range(0xf0, 16));

        Assert.Equal(
            "48000005" +
            "ecffec9e9ef4dda3bc553388075d82cb82a8b0cc" +
            "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff" +
            "57a08b7d1a641f62e10ab11b6ac05ae6" +
            "b97a7d1f9a06c985f25880b6627f5d54",
            Hex.Of(packet.AsSpan(0, n)));

        // And the server side opens it.
        using DataChannelKey server = DataChannelKey.Create(DataCipherSuite.Parse("AES-128-CBC", "SHA1"), key2, isServer: true, keyId: 0);
        byte[] plain = new byte[64];
        Assert.Equal(DataDecryptResult.Ok, server.Decrypt(packet.AsSpan(0, n), plain, 0, out int len));
        Assert.True(DataChannelMessages.IsPing(plain.AsSpan(0, len)));
    }
}
