using SharpVpn.Protocol.Keys;
using SharpVpn.Protocol.Tests.TlsWrap;

namespace SharpVpn.Protocol.Tests.Keys;

public class StaticKeyTests
{
    [Fact]
    public void Parse_KeyMadeByOpenVpnGenkey_WritesBackIdentically()
    {
        // openvpn --genkey secret, stored by test/vectors/capture_openvpn.py.
        string text = CapturedVector.Load("openvpn26-tls-crypt.json").Keys.GetProperty("static_key").GetString()!;
        var key = StaticKey.Parse(text, "ta.key");
        Assert.Equal(text, key.ToFileText());
    }

    [Fact]
    public void Parse_CrLfAndSurroundingText_Accepted()
    {
        var key = StaticKey.Generate();
        string text = "key-direction 1\r\n<tls-auth>\r\n" + key.ToFileText().Replace("\n", "\r\n", StringComparison.Ordinal) + "</tls-auth>\r\n";
        Assert.Equal(key.Bytes.ToArray(), StaticKey.Parse(text, "inline").Bytes.ToArray());
    }

    [Fact]
    public void Slices_AreTheFourQuarters()
    {
        byte[] bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var key = new StaticKey(bytes);
        Assert.Equal(64, key.Slice(1)[0]);
        Assert.Equal(192, key.Slice(3)[0]);
    }

    [Theory]
    [InlineData("no key here")]
    [InlineData("-----BEGIN OpenVPN Static key V1-----\n00ff\n-----END OpenVPN Static key V1-----\n")]
    [InlineData("-----BEGIN OpenVPN Static key V1-----\nzz\n-----END OpenVPN Static key V1-----\n")]
    public void Parse_Malformed_ThrowsFormatExceptionNamingTheFile(string text)
    {
        var ex = Assert.Throws<FormatException>(() => StaticKey.Parse(text, "/etc/openvpn/ta.key"));
        Assert.StartsWith("/etc/openvpn/ta.key:", ex.Message, StringComparison.Ordinal);
    }
}
