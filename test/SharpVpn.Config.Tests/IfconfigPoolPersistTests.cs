using System.Net;

namespace SharpVpn.Config.Tests;

public sealed class IfconfigPoolPersistTests
{
    [Fact]
    public void Format_IsOpenVpn26Layout_WithEmptyIpv6Column()
    {
        string text = IfconfigPoolPersist.Format(
            [new PoolPersistEntry("client1", IPAddress.Parse("10.0.1.4")), new PoolPersistEntry("laptop", IPAddress.Parse("10.8.0.2"))]);
        Assert.Equal("client1,10.0.1.4,\nlaptop,10.8.0.2,\n", text);
    }

    [Fact]
    public void Parse_AcceptsTheThreeOpenVpnForms_AndSkipsJunk()
    {
        IReadOnlyList<PoolPersistEntry> entries = IfconfigPoolPersist.Parse(
            "# comment\r\nclient1,10.0.1.4,\r\nold24,10.0.1.8\r\nv6only,,2001:db8::1000\r\nbad,10.0.1.300,\r\nnoip\r\n\r\n;x,1.2.3.4\r\n");
        Assert.Equal(
            [
                new PoolPersistEntry("client1", IPAddress.Parse("10.0.1.4")),
                new PoolPersistEntry("old24", IPAddress.Parse("10.0.1.8")),
                new PoolPersistEntry("v6only", null, IPAddress.Parse("2001:db8::1000")),
            ],
            entries);
    }

    [Fact]
    public void WriteThenRead_RoundTrips_AtomicallyWithoutTempFiles()
    {
        using var dir = new TempConfigDir();
        string path = Path.Combine(dir.DirectoryPath, "ipp.txt");
        Assert.Empty(IfconfigPoolPersist.Read(path));

        PoolPersistEntry[] first = [new("alice", IPAddress.Parse("10.0.1.4")), new("bob", IPAddress.Parse("10.0.1.8"))];
        IfconfigPoolPersist.Write(path, first);
        Assert.Equal(first, IfconfigPoolPersist.Read(path));

        PoolPersistEntry[] second = [new("bob", IPAddress.Parse("10.0.1.8"))];
        IfconfigPoolPersist.Write(path, second);
        Assert.Equal(second, IfconfigPoolPersist.Read(path));
        Assert.Equal(["ipp.txt"], Directory.GetFiles(dir.DirectoryPath).Select(Path.GetFileName));
    }

    [Fact]
    public void CommonNameWithComma_IsNotWritten()
    {
        Assert.Equal("ok,10.0.1.4,\n", IfconfigPoolPersist.Format(
            [new PoolPersistEntry("a,b", IPAddress.Parse("10.0.1.8")), new PoolPersistEntry("ok", IPAddress.Parse("10.0.1.4"))]));
    }

    [Fact]
    public void PoolBaseAddresses_MapBackToTheSameClientAddress()
    {
        using var dir = new TempConfigDir().WithScenarioFiles();
        AddressPool pool = ConfigParser.ParseServerFromText(ScenarioConfigTests.ScenarioServerConf, "s.conf", dir.DirectoryPath).Pool!;
        PoolAssignment a = pool.GetAssignment(5);
        string path = Path.Combine(dir.DirectoryPath, "ipp.txt");
        IfconfigPoolPersist.Write(path, [new PoolPersistEntry("alice", a.BaseAddress)]);
        PoolPersistEntry read = Assert.Single(IfconfigPoolPersist.Read(path));
        Assert.Equal(a, pool.GetAssignment(pool.IndexOf(read.Address!)));
    }
}
