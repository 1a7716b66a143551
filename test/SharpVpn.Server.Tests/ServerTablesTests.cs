using System.Net;
using SharpVpn.Config;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>Pool with ifconfig-pool-persist, status file formats, rate limiter.</summary>
public sealed class ServerTablesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sv-server-tests").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static AddressPool Net30Pool() => new(Topology.Net30, IPAddress.Parse("10.0.1.1"), IPAddress.Parse("10.0.1.2"),
        IPAddress.Parse("10.0.1.4"), IPAddress.Parse("10.0.1.251"), IPAddress.Parse("255.255.255.0"));

    [Fact]
    public void Net30_FirstClientGetsDot6_SecondDot10()
    {
        var allocator = new AddressAllocator(Net30Pool(), null, 600, duplicateCn: false);
        Assert.Equal("ifconfig 10.0.1.6 10.0.1.5", allocator.Pool.GetAssignment(allocator.Acquire("a")).ToPushOption());
        Assert.Equal("ifconfig 10.0.1.10 10.0.1.9", allocator.Pool.GetAssignment(allocator.Acquire("b")).ToPushOption());
    }

    [Fact]
    public void IfconfigPoolPersist_KeepsAddressesAcrossRestartAndReservesThemForTheirOwners()
    {
        string ipp = Path.Combine(_dir, "ipp.txt");
        var first = new AddressAllocator(Net30Pool(), ipp, 600, duplicateCn: false);
        Assert.Equal(0, first.Acquire("bob"));
        Assert.Equal(1, first.Acquire("client"));
        first.Save(force: true);
        Assert.Equal("bob,10.0.1.4,\nclient,10.0.1.8,\n", File.ReadAllText(ipp));

        // After a restart 'client' comes first: it gets its own entry, not bob's free one; a stranger skips bob's too.
        var second = new AddressAllocator(Net30Pool(), ipp, 600, duplicateCn: false);
        Assert.Equal(1, second.Acquire("client"));
        Assert.Equal(2, second.Acquire("stranger"));
        Assert.Equal(0, second.Acquire("bob"));
    }

    [Fact]
    public void ReleasedEntries_AreReused_AndAnExhaustedPoolSaysSo()
    {
        var tiny = new AddressPool(Topology.Subnet, IPAddress.Parse("10.0.1.1"), IPAddress.Parse("255.255.255.0"),
            IPAddress.Parse("10.0.1.2"), IPAddress.Parse("10.0.1.3"), IPAddress.Parse("255.255.255.0"));
        var allocator = new AddressAllocator(tiny, null, 600, duplicateCn: true);
        Assert.Equal(0, allocator.Acquire("a"));
        Assert.Equal(1, allocator.Acquire("b"));
        Assert.Equal(-1, allocator.Acquire("c"));
        allocator.Release(0);
        Assert.Equal(0, allocator.Acquire("c"));
    }

    [Fact]
    public void StatusVersion1_IsOpenVpnsLayout()
    {
        var when = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        string text = ServerStatusFile.Format(1, [new ClientStatus(3, "client", "172.16.0.8:50000", "10.0.1.6", 100, 200, when, null, 0, "AES-256-GCM")], when, "T");
        string stamp = when.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            $"OpenVPN CLIENT LIST\nUpdated,{stamp}\nCommon Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n" +
            $"client,172.16.0.8:50000,100,200,{stamp}\nROUTING TABLE\nVirtual Address,Common Name,Real Address,Last Ref\n" +
            $"10.0.1.6,client,172.16.0.8:50000,{stamp}\nGLOBAL STATS\nMax bcast/mcast queue length,0\nEND\n", text);
    }

    [Fact]
    public void StatusVersions2And3_AreTypedLines()
    {
        var when = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        ClientStatus c = new(3, "client", "172.16.0.8:50000", "10.0.1.6", 100, 200, when, null, 0, "AES-256-GCM");
        string[] v2 = ServerStatusFile.Format(2, [c], when, "TITLE TEXT").Split('\n');
        Assert.Equal("TITLE,TITLE TEXT", v2[0]);
        Assert.Equal($"TIME,{when.ToLocalTime():yyyy-MM-dd HH:mm:ss},{when.ToUnixTimeSeconds()}", v2[1]);
        Assert.Equal($"CLIENT_LIST,client,172.16.0.8:50000,10.0.1.6,,100,200,{when.ToLocalTime():yyyy-MM-dd HH:mm:ss},{when.ToUnixTimeSeconds()},UNDEF,3,0,AES-256-GCM", v2[3]);
        Assert.Equal("GLOBAL_STATS,dco_enabled,0", v2[^3]);
        Assert.Equal("END", v2[^2]);
        string[] v3 = ServerStatusFile.Format(3, [c], when, "T").Split('\n');
        Assert.StartsWith("CLIENT_LIST\tclient\t172.16.0.8:50000\t10.0.1.6\t\t100\t200\t", v3[3], StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectFrequency_AllowsNPerWindowThenRefills()
    {
        var limiter = new ConnectRateLimiter(3, 10);
        Assert.True(limiter.TryAcquire(0));
        Assert.True(limiter.TryAcquire(1));
        Assert.True(limiter.TryAcquire(2));
        Assert.False(limiter.TryAcquire(3));
        Assert.True(limiter.TryAcquire(3400));
        Assert.False(limiter.TryAcquire(3401));
    }
}
