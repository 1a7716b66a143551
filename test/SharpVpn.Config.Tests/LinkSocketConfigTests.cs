namespace SharpVpn.Config.Tests;

/// <summary><c>mark</c> and <c>bind-dev</c>: read as the real openvpn reads them.</summary>
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
}
