namespace SharpVpn.Config.Tests;

/// <summary>
/// <c>auth-gen-token [LIFETIME] [RENEWAL] [external-auth]</c> and <c>auth-gen-token-secret</c> on a server: what the
/// runtime gets, OpenVPN's own consistency rules (options.c), and the mistakes named with file and line.
/// </summary>
public sealed class AuthGenTokenConfigTests
{
    private const string Verify = "script-security 2\nauth-user-pass-verify /bin/true via-file\n";
    private const string Secret = "-----BEGIN OpenVPN auth-token server key-----\nAAAA\n-----END OpenVPN auth-token server key-----\n";

    private static ServerConfig Server(string extra, Action<TempConfigDir>? files = null) => ServerSnippet.Parse(extra, files);

    private static string ServerError(string extra, Action<TempConfigDir>? files = null) => ServerSnippet.Error(extra, files);

    [Fact]
    public void Defaults_NoLifetime_RenewalIsRenegSec_RandomSecret()
    {
        AuthGenTokenSettings t = Server(Verify + "auth-gen-token\n").AuthGenToken!;
        Assert.Equal(new AuthGenTokenSettings(0, 3600, false, null), t);
        Assert.Equal(600, Server(Verify + "reneg-sec 600\nauth-gen-token 0\n").AuthGenToken!.RenewalSeconds);
        Assert.Null(Server(Verify).AuthGenToken);
    }

    [Fact]
    public void LifetimeRenewalAndExternalAuth_AndTheSecretFromAFileOrInline()
    {
        ServerConfig c = Server(Verify + "auth-gen-token 28800 300 external-auth\nauth-gen-token-secret token.key\n", d => d.Write("token.key", Secret));
        AuthGenTokenSettings t = c.AuthGenToken!;
        Assert.Equal((28800, 300, true), (t.LifetimeSeconds, t.RenewalSeconds, t.ExternalAuth));
        Assert.Equal(Secret, t.Secret!.Text);
        Assert.EndsWith("token.key", t.Secret.Source, StringComparison.Ordinal);

        AuthGenTokenSettings inline = Server(Verify + "auth-gen-token 3600 external-auth\n<auth-gen-token-secret>\n" + Secret + "</auth-gen-token-secret>\n").AuthGenToken!;
        Assert.True(inline.ExternalAuth);
        Assert.Contains("BEGIN OpenVPN auth-token server key", inline.Secret!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenVpnsRules_AreErrorsWithFileAndLine()
    {
        string noReneg = ServerError(Verify + "reneg-sec 0\nauth-gen-token\n");
        Assert.Contains("server.conf:", noReneg, StringComparison.Ordinal);
        Assert.Contains("'reneg-sec' is 0", noReneg, StringComparison.Ordinal);
        Assert.Contains("at least twice hand-window (60 s)", ServerError(Verify + "auth-gen-token 0 100\n"), StringComparison.Ordinal);
        Assert.Contains("'soon' is neither a renewal time", ServerError(Verify + "auth-gen-token 0 soon\n"), StringComparison.Ordinal);
        Assert.Contains("server.conf:", ServerError(Verify + "auth-gen-token -5\n"), StringComparison.Ordinal);
        string wrongKey = ServerError(Verify + "auth-gen-token\nauth-gen-token-secret ta.key\n");
        Assert.Contains("file 'ta.key' is not an OpenVPN auth-token server key", wrongKey, StringComparison.Ordinal);
        Assert.Contains("sharpvpn genkey auth-token", wrongKey, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutAPasswordCheck_ItHasNoEffect_AndSaysSo()
    {
        ServerConfig c = Server("auth-gen-token\n");
        Assert.Contains(c.Warnings, w => w.Contains("has no effect without auth-user-pass-verify", StringComparison.Ordinal));
        ServerConfig secretOnly = Server(Verify + "auth-gen-token-secret token.key\n", d => d.Write("token.key", Secret));
        Assert.Null(secretOnly.AuthGenToken);
        Assert.Contains(secretOnly.Warnings, w => w.Contains("auth-gen-token-secret has no effect without auth-gen-token", StringComparison.Ordinal));
    }
}
