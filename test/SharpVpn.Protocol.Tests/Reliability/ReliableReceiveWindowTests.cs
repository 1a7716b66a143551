using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.Reliability;

public class ReliableReceiveWindowTests
{
    private static byte[] P(uint id) => [(byte)id, (byte)(id >> 8)];

    private static List<uint> Drain(ReliableReceiveWindow w)
    {
        var got = new List<uint>();
        while (w.TryDequeue(out var m))
        {
            Assert.Equal(P(m.PacketId), m.Payload.ToArray());
            got.Add(m.PacketId);
        }
        return got;
    }

    private static uint[] Acks(ReliableReceiveWindow w, int max = 8)
    {
        uint[] buf = new uint[max];
        int n = w.TakeAcks(buf);
        return buf[..n];
    }

    [Fact]
    public void Case1_InOrder_DeliversEachAndAcksEach()
    {
        var w = new ReliableReceiveWindow();
        for (uint i = 0; i < 5; i++)
        {
            Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, i, P(i)));
            Assert.Equal([i], Drain(w));
        }
        Assert.Equal(5u, w.NextExpectedId);
        Assert.Equal(new uint[] { 0, 1, 2, 3, 4 }, Acks(w));
        Assert.False(w.HasPendingAcks);
    }

    [Fact]
    public void Case2_OutOfOrder_HeldUntilGapFilled()
    {
        var w = new ReliableReceiveWindow();
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, 2, P(2)));
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, 1, P(1)));
        Assert.Empty(Drain(w));
        Assert.False(w.HasDeliverable);
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlHardResetServerV2, 0, P(0)));
        Assert.True(w.HasDeliverable);
        Assert.True(w.TryDequeue(out var first));
        Assert.Equal(Opcode.ControlHardResetServerV2, first.Opcode);
        Assert.Equal([1u, 2u], Drain(w));
        Assert.Equal(new uint[] { 2, 1, 0 }, Acks(w));
    }

    [Fact]
    public void Case3_Duplicate_NotDeliveredTwiceButAckedAgain()
    {
        var w = new ReliableReceiveWindow();
        w.Receive(Opcode.ControlV1, 0, P(0));
        Assert.Single(Drain(w));
        Assert.Equal(new uint[] { 0 }, Acks(w));
        Assert.False(w.HasPendingAcks);
        Assert.Equal(ReliableReceiveResult.Duplicate, w.Receive(Opcode.ControlV1, 0, P(0)));
        Assert.True(w.HasPendingAcks);
        Assert.Empty(Drain(w));
        // Buffered but undelivered duplicate.
        w.Receive(Opcode.ControlV1, 3, P(3));
        Assert.Equal(ReliableReceiveResult.Duplicate, w.Receive(Opcode.ControlV1, 3, P(3)));
        Assert.Equal(2, w.PendingAckCount); // 0 and 3, no repeated entry
    }

    [Fact]
    public void Case4_BeyondWindow_DroppedWithoutAck()
    {
        var w = new ReliableReceiveWindow();
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, 11, P(11)));
        Assert.Equal(ReliableReceiveResult.OutOfWindow, w.Receive(Opcode.ControlV1, 12, P(12)));
        Assert.Equal(ReliableReceiveResult.OutOfWindow, w.Receive(Opcode.ControlV1, 1000, P(1000)));
        Assert.Equal(new uint[] { 11 }, Acks(w));
    }

    [Fact]
    public void Case5_WindowSlidesWithDelivery()
    {
        var w = new ReliableReceiveWindow();
        for (uint i = 0; i < 12; i++)
        {
            w.Receive(Opcode.ControlV1, i, P(i));
        }
        Assert.Equal(ReliableReceiveResult.OutOfWindow, w.Receive(Opcode.ControlV1, 12, P(12)));
        Assert.Equal(12, Drain(w).Count);
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, 23, P(23)));
    }

    [Fact]
    public void Case6_PendingAcksCappedAtEight()
    {
        var w = new ReliableReceiveWindow();
        for (uint i = 0; i < 10; i++)
        {
            w.Receive(Opcode.ControlV1, i, P(i));
        }
        Assert.Equal(8, w.PendingAckCount);
    }

    [Fact]
    public void Case7_AckPiggyback_FourOnControl_ThenRecentRepeated()
    {
        var w = new ReliableReceiveWindow();
        for (uint i = 0; i < 6; i++)
        {
            w.Receive(Opcode.ControlV1, i, P(i));
        }
        // A P_CONTROL_V1 carries at most 4 acks: the oldest pending ones.
        Assert.Equal(new uint[] { 0, 1, 2, 3 }, Acks(w, 4));
        Assert.Equal(2, w.PendingAckCount);
        // Next packet: the remaining pending first, then recently sent ones to fill (copy_acks_to_mru).
        Assert.Equal(new uint[] { 4, 5, 0, 1 }, Acks(w, 4));
        Assert.False(w.HasPendingAcks);
        // Nothing pending: recently sent acks are still repeated on later packets.
        Assert.Equal(new uint[] { 4, 5, 0, 1, 2, 3 }, Acks(w, 8));
    }

    [Fact]
    public void Case8_ServerAfterCookie_StartsAtOne()
    {
        var w = new ReliableReceiveWindow(firstExpectedId: 1);
        Assert.Equal(ReliableReceiveResult.Duplicate, w.Receive(Opcode.ControlHardResetClientV2, 0, []));
        Assert.Equal(ReliableReceiveResult.Accepted, w.Receive(Opcode.ControlV1, 1, P(1)));
        Assert.Equal([1u], Drain(w));
    }

    [Fact]
    public void Case9_NoAckEverSent_TakeAcksReturnsZero()
    {
        var w = new ReliableReceiveWindow();
        Assert.Empty(Acks(w));
    }
}
