using SharpVpn.Config;
using SharpVpn.Runtime.Client;

namespace SharpVpn.Runtime.Tests;

/// <summary>What the client asks for, in OpenVPN's words and order, and what it sends (SCRV1 packing).</summary>
public sealed class ClientCredentialsTests
{
    private sealed class Answers(params string?[] answers) : IClientPrompt
    {
        private readonly Queue<string?> _answers = new(answers);

        public List<(string Prompt, bool Echo)> Asked { get; } = [];

        public string? Ask(string prompt, bool echo)
        {
            Asked.Add((prompt, echo));
            return _answers.Count > 0 ? _answers.Dequeue() : null;
        }
    }

    private static ClientConfig Config(string extra) =>
        ConfigParser.ParseClientFromText(
            "client\ndev tun\nremote 10.0.0.1\n<ca>\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n</ca>\n" + extra + "\n", "c.ovpn", "/nonexistent");

    [Fact]
    public void NoFile_AsksUserNameThenPassword_PasswordNotEchoed()
    {
        var prompt = new Answers("alice", "s3cret");

        var (user, pass) = ClientCredentials.AskUserPass(Config("auth-user-pass"), prompt);

        Assert.Equal(("alice", "s3cret"), (user, pass));
        Assert.Equal([("Enter Auth Username:", true), ("Enter Auth Password:", false)], prompt.Asked);
    }

    [Fact]
    public void StaticChallenge_AsksTheCodeAndPacksItWithThePassword()
    {
        var prompt = new Answers("alice", "pw", "123456");

        var (_, pass) = ClientCredentials.AskUserPass(Config("auth-user-pass\nstatic-challenge \"Enter OTP\" 1"), prompt);

        // base64("pw") = cHc=, base64("123456") = MTIzNDU2 (OpenVPN's SCRV1:<b64 password>:<b64 response>).
        Assert.Equal("SCRV1:cHc=:MTIzNDU2", pass);
        Assert.Equal(("CHALLENGE: Enter OTP", true), prompt.Asked[2]);
    }

    [Fact]
    public void InlineCredentialsWithStaticChallenge_AskOnlyTheCode_EachTime()
    {
        ClientConfig config = Config("<auth-user-pass>\nbob\nfilepw\n</auth-user-pass>\nstatic-challenge Code 0");
        var prompt = new Answers("111", "222");

        var first = ClientCredentials.AskUserPass(config, prompt);
        var second = ClientCredentials.AskUserPass(config, prompt); // auth-retry interact: a new code, the same password

        Assert.Equal(("bob", ClientCredentials.PackStaticChallenge("filepw", "111")), first);
        Assert.Equal(("bob", ClientCredentials.PackStaticChallenge("filepw", "222")), second);
        Assert.All(prompt.Asked, a => Assert.Equal(("CHALLENGE: Code", false), a));
    }

    [Fact]
    public void NobodyToAsk_IsAClearFatalError()
    {
        var e = Assert.Throws<ClientFatalException>(() => ClientCredentials.AskUserPass(Config("auth-user-pass"), new Answers()));
        Assert.Contains("c.ovpn needs the user name", e.Message, StringComparison.Ordinal);

        var empty = Assert.Throws<ClientFatalException>(() => ClientCredentials.AskUserPass(Config("auth-user-pass"), new Answers("")));
        Assert.Contains("username is empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AuthUserPassStdin_IsAskedLikeNoFile()
    {
        Assert.True(Config("auth-user-pass stdin").AuthUserPass!.NeedsPrompt);
    }

    [Fact]
    public void AskpassWithoutFile_AsksTheKeyPassphraseOnce_NotEchoed()
    {
        var prompt = new Answers("key pass");

        ClientConfig c = ClientCredentials.WithKeyPassphrase(Config("askpass\nauth-user-pass"), prompt);

        Assert.Equal("key pass", c.Tls.PrivateKeyPassword);
        Assert.Equal([("Enter Private Key Password:", false)], prompt.Asked);
        Assert.Same(c, ClientCredentials.WithKeyPassphrase(c, prompt)); // known now: not asked again
    }
}
