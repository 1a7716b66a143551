using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Tests;

public sealed class PacketBufferPoolTests
{
    [Fact]
    public void ReturnedBuffers_AreReused_UpToTheCap()
    {
        var pool = new PacketBufferPool(2048, maxPooled: 2);
        byte[][] batch = pool.RentBatch(3);
        Assert.All(batch, b => Assert.Equal(2048, b.Length));
        Assert.Equal(3, pool.Allocated);
        pool.ReturnBatch(batch);
        byte[] a = pool.Rent();
        byte[] b = pool.Rent();
        _ = pool.Rent();
        Assert.Contains(a, batch);
        Assert.Contains(b, batch);
        Assert.Equal(4, pool.Allocated); // only two were kept
    }

    [Fact]
    public void Prefill_MakesTheNextRentsTakeBuffersWithoutAllocating_UpToTheCap()
    {
        var pool = new PacketBufferPool(2048, maxPooled: 4);
        pool.Prefill(3);
        Assert.Equal(3, pool.Allocated);
        pool.Prefill(3); // already there: nothing more
        Assert.Equal(3, pool.Allocated);
        byte[][] batch = pool.RentBatch(3);
        Assert.Equal(3, pool.Allocated);
        Assert.Equal(3, batch.Distinct().Count());
        pool.Prefill(10); // capped at MaxPooled
        Assert.Equal(7, pool.Allocated);
    }

    [Fact]
    public void ForeignBuffer_IsRefused()
    {
        var pool = new PacketBufferPool(2048);
        Assert.Throws<ArgumentException>(() => pool.Return(new byte[100]));
    }

    [Fact]
    public void BufferSize_FitsTunMtuPlusHeadroomAndCryptoOverhead()
    {
        int size = DataPathLayout.BufferBytesFor(1500);
        Assert.True(size >= DataPathLayout.Headroom + 1500 + 1 + 84);
        Assert.True(DataPathLayout.BufferBytesFor(9000) > 9000 + DataPathLayout.Headroom);
    }
}
