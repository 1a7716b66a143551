namespace SharpVpn.Config.Tests;

/// <summary>Options about the tunnel socket and what the client tells the server (<c>mark</c>, <c>bind-dev</c>, <c>push-peer-info</c>), read as the real openvpn reads them.</summary>
public sealed class LinkSocketConfigTests
{
    [Fact]
    public void MarkAndBindDev_AsOpenVpnReadsThem()
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", "client\ndev tun\nremote 10.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\nmark 42\nbind-dev vrf-blue\n");

        ClientConfig ours = ConfigParser.ParseClient(path);
        IReadOnlyList<KeyValuePair<string, string>> theirs = OpenVpnReferee.Settings(path);

        Assert.Equal((42, "vrf-blue"), (ours.SocketMark, ours.BindDevice));
        Assert.Equal("42", theirs.One("mark"));
        ServerConfig server = ServerSnippet.Parse("mark 7\nbind-dev eth1");
        Assert.Equal((7, "eth1"), (server.SocketMark, server.BindDevice));
        Assert.Contains("not a valid interface name", ServerSnippet.Error("bind-dev a/b"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("push-peer-info")]
    [InlineData("setenv PUSH_PEER_INFO")]
    public void PushPeerInfo_AsOpenVpnReadsIt(string line)
    {
        using TempConfigDir dir = new TempConfigDir().WithScenarioFiles();
        string path = dir.Write("c.conf", "client\ndev tun\nremote 10.0.0.1\nca ca.crt\ncert client.crt\nkey client.key\n" + line + "\n");

        Assert.True(ConfigParser.ParseClient(path).PushPeerInfo);
        Assert.Equal("ENABLED", OpenVpnReferee.Settings(path).One("push_peer_info"));
    }
}
