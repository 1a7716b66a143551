using SharpVpn.Tls;

namespace SharpVpn.Protocol.Tests.Tls;

/// <summary>OpenVPN's string_mod with CC_PRINT: controls replaced (names, scripts) or dropped (client credentials).</summary>
public sealed class OpenVpnStringModTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("a\nb\r\tc\u0001d\u007fe", "a_b__c_d_e")]
    [InlineData("Zoë 東京 \u0080", "Zoë 東京 \u0080")] // every UTF-8 byte of these is 0x80 or more: CC_PRINT keeps them
    public void ReplaceControls_AsStringModWithUnderscore(string input, string expected) =>
        Assert.Equal(expected, OpenVpnStringMod.ReplaceControls(input));

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("p\u00e4\u007fss\u0002\n", "p\u00e4ss")]
    [InlineData("\u0001\u0002", "")]
    public void RemoveControls_AsTheClientsCredentials(string input, string expected) =>
        Assert.Equal(expected, OpenVpnStringMod.RemoveControls(input));
}
