using System.Text;

namespace SharpVpn.DataChannel.Tests;

public class KeyExpansionTests
{
    // openvpn-protocol.md §14.4, from OpenVPN tests/unit_tests/openvpn/test_crypto.c crypto_test_tls_prf.
    [Fact]
    public void Tls1Prf_MatchesOpenVpnUnitTestVector()
    {
        byte[] secret = Encoding.ASCII.GetBytes("Lorem ipsum dolor sit amet, consectetur adipisici elit, sed eiusmod tempor incidunt ut labore et dolore magna aliqua.");
        byte[] seed = Encoding.ASCII.GetBytes("Quis aute iure reprehenderit in voluptate velit esse cillum dolore");
        Assert.Equal(117, secret.Length);
        Assert.Equal(66, seed.Length);

        byte[] output = Tls1Prf.Derive(secret, seed, 32);

        Assert.Equal("d98c8518c85e946927916acfc2d592fbb1567e4b4b1459e6a904ac2ddab72d67", Hex.Of(output));
    }

    [Fact]
    public void Tls1Prf_OddSecret_SharesMiddleByte()
    {
        // Prefix property: asking for fewer bytes gives a prefix of the longer output.
        byte[] secret = Hex.Range(1, 5);
        byte[] seed = Hex.Range(100, 13);
        byte[] a = Tls1Prf.Derive(secret, seed, 100);
        byte[] b = Tls1Prf.Derive(secret, seed, 37);
        Assert.Equal(a[..37], b);
    }

    // openvpn-protocol.md §14.6 (computed for the doc by applying §8.1 literally).
    [Fact]
    public void DeriveKeyMaterial_MatchesWorkedExample()
    {
        byte[] preMaster = Hex.Range(0x00, 48);
        byte[] cr1 = Hex.Range(0x40, 32);
        byte[] cr2 = Hex.Range(0x60, 32);
        byte[] sr1 = Hex.Range(0x80, 32);
        byte[] sr2 = Hex.Range(0xa0, 32);
        byte[] csid = Hex.Parse("0102030405060708");
        byte[] ssid = Hex.Parse("1112131415161718");

        byte[] master = new byte[48];
        KeyExpansion.DeriveMasterSecret(preMaster, cr1, sr1, master);
        Assert.Equal("9999e37f41b205a8183ce835da7daacfd52553e542564d04e4292100b00f5f1fe967f9d4f3888f285a5f119aff451e0d", Hex.Of(master));

        byte[] key2 = KeyExpansion.DeriveKeyMaterial(preMaster, cr1, cr2, sr1, sr2, csid, ssid);
        Assert.Equal(256, key2.Length);
        Assert.Equal(
            "5f55fce5fcbf1345f7287765e26b01f71d17712425900e1adf7f5752a3f26131" +
            "49b30744c51aada7351205df906d9d17120b36b17cb64f9f0d643ecc5e53dc7a" +
            "a1f4ec72dee732398cb5f701a2b3329e901ab0530dcf172c586373c763e24741" +
            "cf9064a102c5907c12ff88a00b1c6fd77f52779c066fff79b16bdd6782022033" +
            "72cd8a845d827854399052337a6f8cdf947255829e69473b3515b5826b0dc62f" +
            "703cf374d0a73f350ac32be0eb61cf70419010456f1b574f22784767fe07db87" +
            "9aeadb982a7a67672a6c0b42e6df288f50cc1798a7474c466c81f58c58f0ac0b" +
            "5f630743c81e9e870ddf105e91aa4629d3b5cde61746d8e5b0c3440d1cec4058",
            Hex.Of(key2));
    }

    [Fact]
    public void Halves_FollowTlsRole()
    {
        byte[] km = Hex.Range(0, 256);
        Assert.Equal(0, KeyExpansion.GetEncryptHalf(km, isServer: false)[0]);
        Assert.Equal(128, KeyExpansion.GetDecryptHalf(km, isServer: false)[0]);
        Assert.Equal(128, KeyExpansion.GetEncryptHalf(km, isServer: true)[0]);
        Assert.Equal(0, KeyExpansion.GetDecryptHalf(km, isServer: true)[0]);
        Assert.Equal(64, KeyExpansion.HmacSlice(KeyExpansion.GetEncryptHalf(km, false))[0]);
        Assert.Equal(192, KeyExpansion.HmacSlice(KeyExpansion.GetDecryptHalf(km, false))[0]);
    }

    [Fact]
    public void DeriveKeyMaterial_RejectsWrongLengths()
    {
        byte[] r = new byte[32];
        byte[] s = new byte[8];
        Assert.Throws<ArgumentException>(() => KeyExpansion.DeriveKeyMaterial(new byte[47], r, r, r, r, s, s));
        Assert.Throws<ArgumentException>(() => KeyExpansion.DeriveKeyMaterial(new byte[48], r, r, r, r, s, new byte[4]));
    }
}
