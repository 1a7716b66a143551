using SharpVpn.Protocol.Reliability;
using SharpVpn.Protocol.Wire;

namespace SharpVpn.Protocol.Tests.Reliability;

/// <summary>
/// Randomized checks: the receive window against a naive model (a set of seen ids), and a send window and a
/// receive window connected by a lossy, reordering, duplicating wire, which must deliver every message exactly
/// once and in order.
/// </summary>
public class ReliabilityRandomizedTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ReceiveWindow_MatchesNaiveModel(int seed)
    {
        var rng = new Random(seed);
        var w = new ReliableReceiveWindow();
        var seen = new HashSet<uint>();
        uint next = 0; // naive: next in-order id delivered
        var delivered = new List<uint>();
        for (int step = 0; step < 20000; step++)
        {
            uint id = (uint)Math.Max(0, (int)next + rng.Next(-15, 20));
            var result = w.Receive(Opcode.ControlV1, id, BitConverter.GetBytes(id));
            ReliableReceiveResult expected = id < next || seen.Contains(id) ? ReliableReceiveResult.Duplicate
                : id >= next + 12 ? ReliableReceiveResult.OutOfWindow
                : ReliableReceiveResult.Accepted;
            Assert.Equal(expected, result);
            if (expected == ReliableReceiveResult.Accepted)
            {
                seen.Add(id);
            }
            if (rng.Next(3) == 0)
            {
                while (w.TryDequeue(out var m))
                {
                    Assert.Equal(next, m.PacketId);
                    Assert.Equal(next, BitConverter.ToUInt32(m.Payload.Span));
                    delivered.Add(m.PacketId);
                    next++;
                }
                Assert.DoesNotContain(next, seen); // everything before the gap was delivered
            }
            if (rng.Next(2) == 0)
            {
                w.TakeAcks(new uint[rng.Next(1, 9)]);
            }
        }
        Assert.True(delivered.Count > 1000);
    }

    [Theory]
    [InlineData(11, 0.0)]
    [InlineData(12, 0.2)]
    [InlineData(13, 0.4)]
    [InlineData(14, 0.6)]
    public void SendAndReceive_OverNoisyWire_DeliverAllInOrderExactlyOnce(int seed, double loss)
    {
        var rng = new Random(seed);
        var sender = new ReliableSendWindow(initialTimeoutMs: 1000);
        var receiver = new ReliableReceiveWindow();
        var toReceiver = new List<(long At, uint Id, byte[] Payload)>();
        var toSender = new List<(long At, uint[] Acks)>();
        const int total = 300;
        int queued = 0;
        var got = new List<int>();
        long now = 0;
        for (int iteration = 0; iteration < 1_000_000 && got.Count < total; iteration++)
        {
            while (queued < total && sender.CanEnqueue)
            {
                sender.Enqueue(Opcode.ControlV1, BitConverter.GetBytes(queued++));
            }
            while (sender.TryGetNextToSend(now, out var m))
            {
                int copies = rng.NextDouble() < loss ? 0 : rng.Next(10) == 0 ? 2 : 1;
                for (int c = 0; c < copies; c++)
                {
                    toReceiver.Add((now + rng.Next(0, 400), m.PacketId, m.Payload.ToArray()));
                }
            }
            foreach (var p in toReceiver.Where(p => p.At <= now).ToList())
            {
                toReceiver.Remove(p);
                receiver.Receive(Opcode.ControlV1, p.Id, p.Payload);
            }
            while (receiver.TryDequeue(out var d))
            {
                got.Add(BitConverter.ToInt32(d.Payload.Span));
            }
            if (receiver.HasPendingAcks)
            {
                uint[] acks = new uint[8];
                int n = receiver.TakeAcks(acks);
                if (rng.NextDouble() >= loss)
                {
                    toSender.Add((now + rng.Next(0, 400), acks[..n]));
                }
            }
            foreach (var a in toSender.Where(a => a.At <= now).ToList())
            {
                toSender.Remove(a);
                foreach (uint id in a.Acks)
                {
                    sender.Acknowledge(id);
                }
            }
            // Jump to the next event: a retransmit deadline or an arrival.
            long next = sender.NextDeadlineMs;
            foreach (var p in toReceiver)
            {
                next = Math.Min(next, p.At);
            }
            foreach (var a in toSender)
            {
                next = Math.Min(next, a.At);
            }
            now = Math.Max(now + 1, next == long.MaxValue ? now + 1 : next);
        }
        Assert.True(got.Count == total, $"delivered {got.Count} of {total} by {now} ms");
        Assert.Equal(Enumerable.Range(0, total), got);
    }
}
