using System.Net;

namespace SharpVpn.Config.Tests;

/// <summary>Pool layout per topology (openvpn-protocol.md §13; helper.c helper_client_server; pool.c).</summary>
public sealed class AddressPoolTests
{
    private static ServerConfig Server(string topology, string network = "10.0.1.0 255.255.255.0", string extra = "")
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        return ConfigParser.ParseServerFromText(
            $"dev tun\ndh none\nca ca.crt\ncert server.crt\nkey server.key\nserver {network}\ntopology {topology}\n{extra}\n", "s.conf", dir.DirectoryPath);
    }

    [Fact]
    public void Net30_FirstClientsGet6And10_AndIndexOfFindsTheBlock()
    {
        AddressPool pool = Server("net30").Pool!;
        PoolAssignment first = pool.GetAssignment(0);
        Assert.Equal(IPAddress.Parse("10.0.1.6"), first.ClientAddress);
        Assert.Equal(IPAddress.Parse("10.0.1.5"), first.PeerOrNetmask);
        Assert.Equal(IPAddress.Parse("10.0.1.4"), first.BaseAddress);
        Assert.Equal(IPAddress.Parse("10.0.1.10"), pool.GetAssignment(1).ClientAddress);
        PoolAssignment last = pool.GetAssignment(pool.Size - 1);
        Assert.Equal(IPAddress.Parse("10.0.1.250"), last.ClientAddress);
        Assert.Equal(0, pool.IndexOf(IPAddress.Parse("10.0.1.4")));
        Assert.Equal(0, pool.IndexOf(IPAddress.Parse("10.0.1.6")));
        Assert.Equal(1, pool.IndexOf(IPAddress.Parse("10.0.1.10")));
        Assert.Equal(-1, pool.IndexOf(IPAddress.Parse("10.0.1.1")));
        Assert.Equal(-1, pool.IndexOf(IPAddress.Parse("10.0.1.252")));
    }

    [Fact]
    public void Subnet_FirstClientGets2_ServerIs1()
    {
        ServerConfig c = Server("subnet");
        Assert.Equal(IPAddress.Parse("10.0.1.1"), c.Tun.Ifconfig!.Local);
        AddressPool pool = c.Pool!;
        Assert.Equal(IPAddress.Parse("10.0.1.2"), pool.GetAssignment(0).ClientAddress);
        Assert.Equal(IPAddress.Parse("255.255.255.0"), pool.GetAssignment(0).PeerOrNetmask);
        Assert.Equal(IPAddress.Parse("10.0.1.2"), pool.GetAssignment(0).BaseAddress);
        Assert.Equal(IPAddress.Parse("10.0.1.254"), pool.GetAssignment(pool.Size - 1).ClientAddress);
        Assert.Equal(252, pool.IndexOf(IPAddress.Parse("10.0.1.254")));
        Assert.Equal(-1, pool.IndexOf(IPAddress.Parse("10.0.1.255")));
    }

    [Fact]
    public void P2p_IndividualAddressesFrom4_PeerIsTheServer()
    {
        ServerConfig c = Server("p2p");
        PoolAssignment a = c.Pool!.GetAssignment(0);
        Assert.Equal("ifconfig 10.0.1.4 10.0.1.1", a.ToPushOption());
        Assert.Equal(["topology p2p"], c.Pushes);
    }

    [Fact]
    public void Slash29_Net30_UsesTheWholeRange()
    {
        AddressPool pool = Server("net30", "10.0.1.0 255.255.255.248").Pool!;
        Assert.Equal(IPAddress.Parse("10.0.1.7"), pool.PoolEnd);
        Assert.Equal(1, pool.Size);
    }

    [Fact]
    public void NoPool_LeavesPoolNull()
    {
        ServerConfig c = Server("subnet", "10.0.1.0 255.255.255.0 nopool");
        Assert.Null(c.Pool);
        Assert.Equal(IPAddress.Parse("10.0.1.1"), c.Tun.Ifconfig!.Local);
    }

    [Fact]
    public void ExplicitIfconfigPool_WithModeServer()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        ServerConfig c = ConfigParser.ParseServerFromText("""
            mode server
            tls-server
            dev tun
            dh dh2048.pem
            topology subnet
            ifconfig 10.5.0.1 255.255.255.0
            ifconfig-pool 10.5.0.100 10.5.0.199
            push "route-gateway 10.5.0.1"
            ca ca.crt
            cert server.crt
            key server.key
            """, "m.conf", dir.DirectoryPath);
        Assert.Equal(100, c.Pool!.Size);
        Assert.Equal("ifconfig 10.5.0.100 255.255.255.0", c.Pool.GetAssignment(0).ToPushOption());
        Assert.Equal(["route-gateway 10.5.0.1"], c.Pushes);
    }
}
