using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using SharpVpn.Platform.Network;
using SharpVpn.Platform.Tun;

namespace SharpVpn.Platform.Tests;

[Trait("Category", "Interop")]
public sealed class TunDeviceTests
{
    [Fact]
    public void Ping_IntoTun_IsReadAsEchoRequest_AndCraftedReplyMakesPingSucceed()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svtun%d"));
        Assert.StartsWith("svtun", tun.Name, StringComparison.Ordinal);
        using (var net = new NetworkConfigurator(tun.Name, ns.Runner))
        {
            net.SetAddress(IPAddress.Parse("10.77.0.1"), 24);
            net.SetMtu(1400);
            net.Up();
            Assert.Contains("mtu 1400", ns.Ip("link", "show", tun.Name), StringComparison.Ordinal);

            using Process ping = ns.Start("ping", "-c", "1", "-W", "5", "-n", "10.77.0.2");
            var buffer = new byte[2000];
            int length;
            // Skip anything else the kernel sends (IPv6 router solicitations and the like).
            while (true)
            {
                length = tun.Read(buffer);
                Assert.True(length > 0);
                if (length >= 28 && buffer[0] >> 4 == 4 && buffer[9] == 1 && buffer[20] == 8)
                {
                    break;
                }
            }
            Assert.Equal(IPAddress.Parse("10.77.0.1"), new IPAddress(buffer.AsSpan(12, 4)));
            Assert.Equal(IPAddress.Parse("10.77.0.2"), new IPAddress(buffer.AsSpan(16, 4)));

            byte[] reply = MakeEchoReply(buffer.AsSpan(0, length));
            Assert.True(tun.Write(reply));
            Assert.True(ping.WaitForExit(10_000));
            Assert.True(ping.ExitCode == 0, ping.StandardOutput.ReadToEnd() + ping.StandardError.ReadToEnd());
        }
        // The configurator removed its address on dispose.
        Assert.DoesNotContain("10.77.0.1", ns.Ip("addr", "show", tun.Name), StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_UnblocksBlockedReader()
    {
        using var ns = new TestNamespace();
        TunDevice tun = ns.Run(() => TunDevice.Open());
        Assert.StartsWith("tun", tun.Name, StringComparison.Ordinal);
        int result = -1;
        var reader = new Thread(() => result = tun.Read(new byte[1500]));
        reader.Start();
        Thread.Sleep(200);
        Assert.True(reader.IsAlive);
        tun.Dispose();
        Assert.True(reader.Join(2000), "reader still blocked after Dispose");
        Assert.Equal(0, result);
        Assert.Equal(0, tun.Read(new byte[1500]));
        Assert.Throws<ObjectDisposedException>(() => tun.Write(new byte[20]));
    }

    [Fact]
    public void Write_NonIpPacket_IsADropNotAnError()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open());
        ns.Ip("link", "set", tun.Name, "up");
        byte[] junk = new byte[40];
        junk[0] = 0x10; // IP version 1
        Assert.False(tun.Write(junk));
    }

    [Fact]
    public void BatchRead_TakesAllQueuedPackets_AndWriteBatchDeliversThem()
    {
        using var ns = new TestNamespace();
        using TunDevice tun = ns.Run(() => TunDevice.Open("svb%d"));
        ns.Ip("addr", "add", "10.78.0.1/24", "dev", tun.Name);
        ns.Ip("link", "set", tun.Name, "up");
        // Let the kernel's own first packets (IPv6 DAD etc.) pass, then send 5 UDP datagrams at once.
        ns.Run(() =>
        {
            using var udp = new System.Net.Sockets.UdpClient(new IPEndPoint(IPAddress.Parse("10.78.0.1"), 0));
            for (int i = 0; i < 5; i++)
            {
                udp.Send([(byte)i], new IPEndPoint(IPAddress.Parse("10.78.0.9"), 9999));
            }
            return 0;
        });
        const int offset = 32;
        byte[][] bufs = [.. Enumerable.Range(0, 16).Select(_ => new byte[offset + 1600])];
        int[] sizes = new int[16];
        int udpSeen = 0;
        var sw = Stopwatch.StartNew();
        while (udpSeen < 5 && sw.ElapsedMilliseconds < 5000)
        {
            int n = tun.Read(bufs, sizes, offset);
            Assert.True(n >= 1);
            for (int i = 0; i < n; i++)
            {
                if (bufs[i][offset] >> 4 == 4 && bufs[i][offset + 9] == 17)
                {
                    Assert.Equal(udpSeen, bufs[i][offset + 28]);
                    udpSeen++;
                }
            }
        }
        Assert.Equal(5, udpSeen);
    }

    [Fact]
    public void MultiQueue_OpensSeveralQueuesOfOneInterface()
    {
        using var ns = new TestNamespace();
        using TunDevice first = ns.Run(() => TunDevice.Open("svmq0", multiQueue: true));
        using TunDevice second = first.OpenQueue();
        Assert.Equal("svmq0", second.Name);
        Assert.True(second.IsMultiQueue);
    }

    [Fact]
    public void Open_RejectsOverlongName()
    {
        var ex = Assert.Throws<ArgumentException>(() => TunDevice.Open("sv-this-name-is-too-long"));
        Assert.Contains("15 bytes", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Swaps addresses, turns type 8 into 0 and fixes the ICMP checksum (RFC 792).</summary>
    private static byte[] MakeEchoReply(ReadOnlySpan<byte> request)
    {
        byte[] reply = request.ToArray();
        int ihl = (reply[0] & 0x0F) * 4;
        request.Slice(12, 4).CopyTo(reply.AsSpan(16));
        request.Slice(16, 4).CopyTo(reply.AsSpan(12));
        reply[ihl] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(ihl + 2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(reply.AsSpan(ihl + 2), Checksum(reply.AsSpan(ihl)));
        // The IP header checksum does not change: swapping two words keeps the one's-complement sum.
        return reply;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }
        if ((data.Length & 1) != 0)
        {
            sum += (uint)data[^1] << 8;
        }
        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }
}
