using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.Reliability;

public class ReliableSendWindowTests
{
    private static List<uint> SendDue(ReliableSendWindow w, long now)
    {
        var ids = new List<uint>();
        while (w.TryGetNextToSend(now, out var m))
        {
            ids.Add(m.PacketId);
        }
        return ids;
    }

    [Fact]
    public void Case1_NewMessagesDueAtOnceInIdOrder()
    {
        var w = new ReliableSendWindow();
        Assert.Equal(0u, w.Enqueue(Opcode.ControlHardResetClientV2, []));
        Assert.Equal(1u, w.Enqueue(Opcode.ControlV1, [1]));
        Assert.Equal(long.MinValue, w.NextDeadlineMs);
        Assert.Equal([0u, 1u], SendDue(w, 5000));
        Assert.Equal(7000, w.NextDeadlineMs);
        Assert.Empty(SendDue(w, 6999));
    }

    [Fact]
    public void Case2_RetransmitBackoffDoubles()
    {
        var w = new ReliableSendWindow(initialTimeoutMs: 2000);
        w.Enqueue(Opcode.ControlV1, [9]);
        long now = 0;
        long[] expectedGaps = [2000, 4000, 8000, 16000, 32000];
        Assert.True(w.TryGetNextToSend(now, out var m));
        Assert.Equal(1, m.TransmitCount);
        foreach (long gap in expectedGaps)
        {
            Assert.False(w.TryGetNextToSend(now + gap - 1, out _));
            now += gap;
            Assert.True(w.TryGetNextToSend(now, out m));
            Assert.Equal(new byte[] { 9 }, m.Payload.ToArray());
        }
        Assert.Equal(6, m.TransmitCount);
    }

    [Fact]
    public void Case3_AckRemoves_UnknownAckIgnored()
    {
        var w = new ReliableSendWindow();
        w.Enqueue(Opcode.ControlV1, []);
        w.Enqueue(Opcode.ControlV1, []);
        SendDue(w, 0);
        Assert.True(w.Acknowledge(1));
        Assert.False(w.Acknowledge(1));
        Assert.False(w.Acknowledge(77));
        Assert.Equal(1, w.Count);
        Assert.True(w.Acknowledge(0));
        Assert.True(w.IsEmpty);
        Assert.Equal(long.MaxValue, w.NextDeadlineMs);
    }

    [Fact]
    public void Case4_WindowOfSixBlocksSeventh_UntilLowestAcked()
    {
        var w = new ReliableSendWindow();
        for (int i = 0; i < 6; i++)
        {
            Assert.True(w.CanEnqueue);
            w.Enqueue(Opcode.ControlV1, []);
        }
        Assert.False(w.CanEnqueue);
        Assert.Throws<InvalidOperationException>(() => w.Enqueue(Opcode.ControlV1, []));
        w.Acknowledge(5); // a later one: the window is still anchored at 0
        Assert.False(w.CanEnqueue);
        w.Acknowledge(0);
        Assert.True(w.CanEnqueue);
        Assert.Equal(6u, w.Enqueue(Opcode.ControlV1, []));
    }

    [Fact]
    public void Case5_FastRetransmitAfterThreeLaterAcks()
    {
        var w = new ReliableSendWindow();
        for (int i = 0; i < 4; i++)
        {
            w.Enqueue(Opcode.ControlV1, []);
        }
        SendDue(w, 0);
        w.Acknowledge(1);
        w.Acknowledge(2);
        Assert.Empty(SendDue(w, 100));
        w.Acknowledge(3);
        Assert.Equal(long.MinValue, w.NextDeadlineMs);
        Assert.Equal([0u], SendDue(w, 100));
        Assert.Equal(100 + 4000, w.NextDeadlineMs); // the fast resend also doubled the timeout
    }

    [Fact]
    public void Case6_ScheduleAllNow_ResetsTimeouts()
    {
        var w = new ReliableSendWindow();
        w.Enqueue(Opcode.ControlV1, []);
        SendDue(w, 0);
        SendDue(w, 2000);
        w.ScheduleAllNow(2500);
        Assert.Equal([0u], SendDue(w, 2500));
        Assert.Equal(4500, w.NextDeadlineMs);
    }

    [Fact]
    public void Case7_AcknowledgeFromParsedPacket()
    {
        var w = new ReliableSendWindow();
        w.Enqueue(Opcode.ControlV1, []);
        w.Enqueue(Opcode.ControlV1, []);
        byte[] buf = new byte[64];
        int n = ControlPacket.Write(buf, Opcode.AckV1, 0, new SessionId(1), [0u, 1u, 9u], new SessionId(2), 0, []);
        Assert.True(ControlPacket.TryParse(buf.AsSpan(0, n), out var p, out _));
        Assert.Equal(2, w.Acknowledge(p));
        Assert.True(w.IsEmpty);
    }

    [Fact]
    public void Case8_FirstPacketIdOne_ForStatelessServerSession()
    {
        var w = new ReliableSendWindow(firstPacketId: 1);
        Assert.Equal(1u, w.Enqueue(Opcode.ControlV1, []));
    }
}
