using SharpVpn.Protocol.Auth;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Protocol.Tests.Auth;

public sealed class AuthTokenTests
{
    private const long Now = 1_800_000_000;
    private const int Renewal = 3600;
    private static readonly AuthTokenKey Key = AuthTokenKey.Generate();

    [Fact]
    public void Token_HasOpenVpnsShape_AndVerifiesForItsUserOnly()
    {
        string token = AuthToken.Generate(Key, "alice", Now, null);
        Assert.Equal(91, token.Length); // "SESS_ID_AT_" + base64 of 12 + 8 + 8 + 32 bytes, unpadded
        Assert.StartsWith("SESS_ID_AT_", token, StringComparison.Ordinal);
        Assert.True(AuthToken.LooksLikeToken(token));
        Assert.DoesNotContain('=', token);

        Assert.Equal(AuthTokenCheck.HmacOk, AuthToken.Verify(Key, "alice", token, Now + 10, Renewal, 0, null));
        Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(Key, "mallory", token, Now + 10, Renewal, 0, null));
        Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(AuthTokenKey.Generate(), "alice", token, Now + 10, Renewal, 0, null));
    }

    [Fact]
    public void AnyChangedCharacter_IsRefused()
    {
        string token = AuthToken.Generate(Key, "alice", Now, null);
        for (int i = AuthToken.Prefix.Length; i < token.Length; i++)
        {
            char replacement = token[i] == 'A' ? 'B' : 'A';
            string forged = string.Concat(token.AsSpan(0, i), replacement.ToString(), token.AsSpan(i + 1));
            Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(Key, "alice", forged, Now, Renewal, 0, null));
        }

        Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(Key, "alice", "SESS_ID_AT_short", Now, Renewal, 0, null));
        Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(Key, "alice", "password", Now, Renewal, 0, null));
    }

    [Theory]
    [InlineData(-1, true)]                // issued in the future (clock went back)
    [InlineData(0, false)]
    [InlineData(2 * Renewal - 1, false)]  // a renewal missed is tolerated
    [InlineData(2 * Renewal, true)]
    public void RenewalWindow_IsTwoRenewalPeriodsFromIssue(long age, bool expired)
    {
        string token = AuthToken.Generate(Key, "alice", Now, null);
        AuthTokenCheck check = AuthToken.Verify(Key, "alice", token, Now + age, Renewal, 0, null);
        Assert.Equal(expired ? AuthTokenCheck.HmacOk | AuthTokenCheck.Expired : AuthTokenCheck.HmacOk, check);
    }

    [Fact]
    public void Renewals_KeepTheSessionAndItsStart_LifetimeCountsFromTheFirstLogin()
    {
        string first = AuthToken.Generate(Key, "alice", Now, null);
        string renewed = AuthToken.Generate(Key, "alice", Now + 3000, first);
        Assert.NotEqual(first, renewed);
        Assert.Equal(AuthToken.SessionIdOf(first), AuthToken.SessionIdOf(renewed));
        Assert.Equal(16, AuthToken.SessionIdOf(first).Length);

        // Valid in its own window (long after the first token's), within a lifetime of 2 h from the first login...
        Assert.Equal(AuthTokenCheck.HmacOk, AuthToken.Verify(Key, "alice", renewed, Now + 7000, Renewal, 7200, first));
        // ...and expired once the lifetime is over, however fresh the renewal.
        string late = AuthToken.Generate(Key, "alice", Now + 7100, first);
        Assert.Equal(AuthTokenCheck.HmacOk | AuthTokenCheck.Expired, AuthToken.Verify(Key, "alice", late, Now + 7300, Renewal, 7200, first));
    }

    [Fact]
    public void AnotherSessionsToken_IsRefusedWithinThisConnection()
    {
        string mine = AuthToken.Generate(Key, "alice", Now, null);
        string other = AuthToken.Generate(Key, "alice", Now, null); // same user, another login
        Assert.NotEqual(AuthToken.SessionIdOf(mine), AuthToken.SessionIdOf(other));
        Assert.Equal(AuthTokenCheck.HmacOk, AuthToken.Verify(Key, "alice", other, Now, Renewal, 0, null));
        Assert.Equal(AuthTokenCheck.Invalid, AuthToken.Verify(Key, "alice", other, Now, Renewal, 0, mine));
    }

    [Fact]
    public void TokenForTheEmptyUser_IsFlagged()
    {
        string token = AuthToken.Generate(Key, string.Empty, Now, null);
        Assert.Equal(AuthTokenCheck.HmacOk | AuthTokenCheck.ValidEmptyUser, AuthToken.Verify(Key, "alice", token, Now, Renewal, 0, null));
    }

    [Fact]
    public void SecretFile_RoundTrips_AndBadFilesNameTheirSource()
    {
        AuthTokenKey key = AuthTokenKey.Generate();
        string text = key.ToFileText();
        Assert.StartsWith("-----BEGIN OpenVPN auth-token server key-----\n", text, StringComparison.Ordinal);
        AuthTokenKey parsed = AuthTokenKey.Parse(text, "token.key");
        string token = AuthToken.Generate(key, "alice", Now, null);
        Assert.Equal(AuthTokenCheck.HmacOk, AuthToken.Verify(parsed, "alice", token, Now, Renewal, 0, null));

        FormatException wrongLabel = Assert.Throws<FormatException>(() => AuthTokenKey.Parse(StaticKey.Generate().ToFileText(), "/etc/openvpn/ta.key"));
        Assert.Contains("/etc/openvpn/ta.key", wrongLabel.Message, StringComparison.Ordinal);
        string shortKey = "-----BEGIN OpenVPN auth-token server key-----\nAAAA\n-----END OpenVPN auth-token server key-----\n";
        FormatException tooShort = Assert.Throws<FormatException>(() => AuthTokenKey.Parse(shortKey, "short.key"));
        Assert.Contains("short.key", tooShort.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("route 10.0.0.0 255.0.0.0,auth-token SESS_ID_AT_abc,ping 10", "route 10.0.0.0 255.0.0.0,auth-token [redacted],ping 10")]
    [InlineData("auth-token SESS_ID_AT_abc", "auth-token [redacted]")]
    [InlineData("auth-token-user Ym9i,auth-token X", "auth-token-user Ym9i,auth-token [redacted]")]
    [InlineData("route 10.0.0.0 255.0.0.0", "route 10.0.0.0 255.0.0.0")]
    public void PushReplyForTheLog_HasNoToken(string pushed, string logged) => Assert.Equal(logged, AuthToken.RedactPushed(pushed));
}
