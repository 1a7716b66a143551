using SharpVpn.Runtime.Client;

namespace SharpVpn.Runtime.Tests;

/// <summary>AUTH_FAILED reasons the client acts on: TEMP (try again later) and CRV1 (dynamic challenge).</summary>
public sealed class AuthFailedReplyTests
{
    [Theory]
    [InlineData("AUTH_FAILED: TEMP[backoff 42,advance no]:server busy", 42, false)]
    [InlineData("AUTH_FAILED: TEMP[advance remote]", 0, true)]
    [InlineData("AUTH_FAILED: TEMP:try later", 0, null)]
    [InlineData("AUTH_FAILED: TEMP[backoff x]", 0, null)]
    public void Temporary(string message, int backoff, bool? advance)
    {
        AuthFailedReply r = AuthFailedReply.Parse(message);

        Assert.True(r.IsTemporary);
        Assert.Equal((backoff, advance), (r.BackoffSeconds, r.AdvanceRemote));
        Assert.Null(r.Challenge);
    }

    [Fact]
    public void DynamicChallenge_AsOpenVpnReadsIt()
    {
        // CRV1:FLAGS:STATE_ID:BASE64_USER:TEXT; base64("alice") = YWxpY2U=; the text may hold ':'.
        AuthFailedReply r = AuthFailedReply.Parse("AUTH_FAILED: CRV1:R,E:state-7:YWxpY2U=:Code from the SMS: please");

        Assert.False(r.IsTemporary);
        Assert.Equal(new DynamicChallenge(true, true, "state-7", "alice", "Code from the SMS: please"), r.Challenge);
        Assert.Equal("CRV1::state-7::4711", r.Challenge!.PasswordFor("4711"));
    }

    [Theory]
    [InlineData("AUTH_FAILED")]
    [InlineData("AUTH_FAILED: wrong password")]
    [InlineData("AUTH_FAILED: CRV1:R:state:not base64!:text")]
    [InlineData("AUTH_FAILED: CRV1:R:state")]
    public void PlainRefusals(string message)
    {
        AuthFailedReply r = AuthFailedReply.Parse(message);

        Assert.False(r.IsTemporary);
        Assert.Null(r.Challenge);
    }
}
