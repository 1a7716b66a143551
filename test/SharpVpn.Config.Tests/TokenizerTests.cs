namespace SharpVpn.Config.Tests;

/// <summary>ConfigTokenizer against the rules of OpenVPN's options_parse.c parse_line / check_inline_file.</summary>
public sealed class TokenizerTests
{
    private static IReadOnlyList<string> Line(string text) => ConfigTokenizer.TokenizeLine(text, "t.conf", 1);

    [Theory]
    [InlineData("remote host 1194", new[] { "remote", "host", "1194" })]
    [InlineData("  remote\thost   1194  ", new[] { "remote", "host", "1194" })]
    [InlineData("push \"route 10.0.0.0 255.0.0.0\"", new[] { "push", "route 10.0.0.0 255.0.0.0" })]
    [InlineData("push 'dhcp-option DNS 10.0.0.1'", new[] { "push", "dhcp-option DNS 10.0.0.1" })]
    [InlineData("setenv X \"a \\\"quoted\\\" word\"", new[] { "setenv", "X", "a \"quoted\" word" })]
    [InlineData("ca C:\\\\keys\\\\ca.crt", new[] { "ca", "C:\\keys\\ca.crt" })]
    [InlineData("ca my\\ file.crt", new[] { "ca", "my file.crt" })]
    [InlineData("setenv X 'back\\slash'", new[] { "setenv", "X", "back\\slash" })]
    [InlineData("verb 3 # comment", new[] { "verb", "3" })]
    [InlineData("verb 3 ; comment", new[] { "verb", "3" })]
    [InlineData("setenv X a#b", new[] { "setenv", "X", "a#b" })]
    [InlineData("setenv X \"\"", new[] { "setenv", "X", "" })]
    [InlineData("verb 3\r", new[] { "verb", "3" })]
    public void TokenizeLine_SplitsLikeOpenVpn(string line, string[] expected) =>
        Assert.Equal(expected, Line(line));

    [Theory]
    [InlineData("# whole line")]
    [InlineData("; whole line")]
    [InlineData("   ")]
    [InlineData("")]
    public void TokenizeLine_CommentOrBlank_GivesNothing(string line) => Assert.Empty(Line(line));

    [Fact]
    public void Tokenize_LeadingDoubleDash_IsDropped()
    {
        ConfigLine l = Assert.Single(ConfigTokenizer.Tokenize("--verb 4\n", "t.conf"));
        Assert.Equal("verb", l.Name);
        Assert.Equal(["4"], l.Args);
    }

    [Fact]
    public void Tokenize_Bom_CrLf_AndLineNumbers()
    {
        IReadOnlyList<ConfigLine> lines = ConfigTokenizer.Tokenize("\uFEFFclient\r\n\r\n# c\r\nverb 3\r\n", "t.ovpn");
        Assert.Equal(2, lines.Count);
        Assert.Equal(("client", 1), (lines[0].Name, lines[0].LineNumber));
        Assert.Equal(("verb", 4), (lines[1].Name, lines[1].LineNumber));
    }

    [Fact]
    public void Tokenize_InlineBlock_KeepsContentAndCountsLines()
    {
        string text = "client\r\n<ca>\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n  </ca>\r\nverb 3\r\n";
        IReadOnlyList<ConfigLine> lines = ConfigTokenizer.Tokenize(text, "t.ovpn");
        Assert.Equal(3, lines.Count);
        Assert.True(lines[1].IsInline);
        Assert.Equal("ca", lines[1].Name);
        Assert.Equal(2, lines[1].LineNumber);
        Assert.Equal("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", lines[1].Arg(0));
        Assert.Equal(7, lines[2].LineNumber);
    }

    [Fact]
    public void Tokenize_UnterminatedInlineBlock_NamesFileLineAndOption()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigTokenizer.Tokenize("client\n<key>\n-----BEGIN PRIVATE KEY-----\n", "c.ovpn"));
        Assert.Equal("c.ovpn:2: option 'key': inline block <key> has no closing </key>", ex.Message);
        Assert.Equal(("c.ovpn", 2, "key"), (ex.SourceName, ex.Line, ex.Option));
    }

    [Fact]
    public void Tokenize_UnterminatedDoubleQuote_NamesFileLineAndOption()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigTokenizer.Tokenize("verb 3\npush \"route 10.0.0.0\n", "s.conf"));
        Assert.Equal("s.conf:2: option 'push': no closing quotation (\") on this line", ex.Message);
    }

    [Fact]
    public void Tokenize_UnterminatedSingleQuote_IsAnError()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigTokenizer.Tokenize("push 'route\n", "s.conf"));
        Assert.StartsWith("s.conf:1: option 'push': no closing single quotation", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_BadBackslash_IsAnErrorAsInOpenVpn()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigTokenizer.Tokenize("ca C:\\keys\\ca.crt\n", "w.ovpn"));
        Assert.StartsWith("w.ovpn:1: option 'ca': bad backslash", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenize_StrayClosingTag_IsNamed()
    {
        var ex = Assert.Throws<ConfigException>(() => ConfigTokenizer.Tokenize("client\n</ca>\n", "c.ovpn"));
        Assert.Equal("c.ovpn:2: option 'ca': closing tag </ca> without an opening <ca>", ex.Message);
    }
}
