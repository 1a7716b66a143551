namespace SharpVpn.Config.Tests;

/// <summary><c>static-challenge TEXT ECHO</c> and <c>auth-user-pass</c> without a file: what the client will ask.</summary>
public sealed class StaticChallengeConfigTests
{
    private static ClientConfig Parse(string extra) =>
        ConfigParser.ParseClientFromText("client\ndev tun\nremote 10.0.0.1\n<ca>\n" + TempConfigDir.CaPem + "</ca>\n" + extra + "\n", "c.ovpn", "/nonexistent");

    [Theory]
    [InlineData("static-challenge \"Enter your OTP\" 1", "Enter your OTP", true)]
    [InlineData("static-challenge Code 0", "Code", false)]
    [InlineData("static-challenge Code x", "Code", false)] // openvpn's atoi: not a number is 0
    public void Parsed(string line, string text, bool echo)
    {
        ClientConfig c = Parse("auth-user-pass\n" + line);

        Assert.Equal(new StaticChallenge(text, echo), c.StaticChallenge);
        Assert.True(c.AuthUserPass!.NeedsPromptWith(c.StaticChallenge));
    }

    [Fact]
    public void MissingEchoFlag_NamesTheLine()
    {
        var e = Assert.Throws<ConfigException>(() => Parse("static-challenge Code"));
        Assert.Equal((9, "static-challenge"), (e.Line, e.Option));
    }

    [Fact]
    public void CredentialsFromTheConfig_NeedNoPrompt_UnlessAChallengeIsSet()
    {
        ClientConfig c = Parse("<auth-user-pass>\nbob\npw\n</auth-user-pass>");

        Assert.False(c.AuthUserPass!.NeedsPromptWith(c.StaticChallenge));
        Assert.True(Parse("auth-user-pass stdin").AuthUserPass!.NeedsPrompt);
    }
}
