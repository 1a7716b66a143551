using System.Net;

namespace SharpVpn.Config.Tests;

public sealed class ClientConfigDirTests
{
    [Fact]
    public void CcdFile_ParsesIfconfigPushIrouteAndPushes()
    {
        ClientConfigDirEntry e = ClientConfigDirEntry.Parse("""
            # fixed address for alice
            ifconfig-push 10.0.1.6 10.0.1.5
            iroute 192.168.50.0 255.255.255.0
            push "route 172.20.0.0 255.255.0.0"
            push-reset
            push-remove dhcp-option
            """, "ccd/alice", "alice");
        Assert.Equal(new IfconfigSettings(IPAddress.Parse("10.0.1.6"), IPAddress.Parse("10.0.1.5")), e.IfconfigPush);
        Assert.Equal(IPAddress.Parse("192.168.50.0"), Assert.Single(e.IRoutes).Network);
        Assert.Equal(["route 172.20.0.0 255.255.0.0"], e.Pushes);
        Assert.True(e.PushReset);
        Assert.Equal(["dhcp-option"], e.PushRemove);
        Assert.False(e.Disable);
    }

    [Fact]
    public void CcdFile_Errors_NameFileAndLine()
    {
        var ex = Assert.Throws<ConfigException>(() => ClientConfigDirEntry.Parse("disable\nifconfig-push 10.0.1.300 10.0.1.5\n", "ccd/bob", "bob"));
        Assert.Equal("ccd/bob:2: option 'ifconfig-push': '10.0.1.300' is not an IPv4 address", ex.Message);
        var unknown = Assert.Throws<ConfigException>(() => ClientConfigDirEntry.Parse("frob\n", "ccd/bob", "bob"));
        Assert.Equal("ccd/bob:1: unknown option 'frob'", unknown.Message);
    }

    [Fact]
    public void Load_FallsBackToDefault_AndExclusiveNeedsTheCnFile()
    {
        using var dir = new TempConfigDir();
        dir.Write("ccd/alice", "ifconfig-push 10.0.1.10 10.0.1.9\n");
        dir.Write("ccd/DEFAULT", "disable\n");
        string ccd = Path.Combine(dir.DirectoryPath, "ccd");

        Assert.Equal(IPAddress.Parse("10.0.1.10"), ClientConfigDirEntry.Load(ccd, "alice")!.IfconfigPush!.Local);
        ClientConfigDirEntry other = ClientConfigDirEntry.Load(ccd, "carol")!;
        Assert.True(other.Disable);
        Assert.Equal(Path.Combine(ccd, "DEFAULT"), other.SourceName);
        Assert.True(ClientConfigDirEntry.ExistsForCommonName(ccd, "alice"));
        Assert.False(ClientConfigDirEntry.ExistsForCommonName(ccd, "carol"));
        Assert.False(ClientConfigDirEntry.ExistsForCommonName(ccd, "DEFAULT"));
        Assert.False(ClientConfigDirEntry.ExistsForCommonName(ccd, "../ccd/alice"));
        Assert.True(ClientConfigDirEntry.Load(ccd, "../etc/passwd")!.Disable); // unsafe CN: only DEFAULT applies
        File.Delete(Path.Combine(ccd, "DEFAULT"));
        Assert.Null(ClientConfigDirEntry.Load(ccd, "carol"));
    }

    [Fact]
    public void ApplyPushes_ReplaysResetRemoveAndPushInFileOrder()
    {
        string[] global = ["route 192.168.1.0 255.255.255.0", "dhcp-option DNS 10.0.0.1", "route 10.0.1.1", "topology net30", "ping 10"];

        ClientConfigDirEntry removeOnly = ClientConfigDirEntry.Parse("push-remove route\npush \"route 172.16.0.0 255.255.0.0\"\npush-remove ifconfig\n", "ccd/a", "a");
        Assert.Equal(["dhcp-option DNS 10.0.0.1", "topology net30", "ping 10", "route 172.16.0.0 255.255.0.0"], removeOnly.ApplyPushes(global));
        Assert.True(removeOnly.IfconfigPushBlocked);

        ClientConfigDirEntry reset = ClientConfigDirEntry.Parse("push \"ping 5\"\npush-reset\npush \"route 10.5.0.0 255.255.0.0\"\n", "ccd/b", "b");
        Assert.Equal(["route 10.5.0.0 255.255.0.0"], reset.ApplyPushes(global));
        Assert.False(reset.IfconfigPushBlocked);
    }
}
