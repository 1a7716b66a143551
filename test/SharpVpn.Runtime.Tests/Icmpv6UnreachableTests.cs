using System.Buffers.Binary;
using System.Net;
using SharpVpn.Config;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Tests;

/// <summary>The block-ipv6 answer: an ICMPv6 "no route" back to the sender, checksummed, within 1280 bytes.</summary>
public sealed class Icmpv6UnreachableTests
{
    private static readonly UInt128 Server = Ipv6.ToUInt128(IPAddress.Parse("fd00:1::1"));

    [Fact]
    public void EchoRequest_IsAnsweredFromTheGivenSourceToTheSender_WithTheWholePacketAndAValidChecksum()
    {
        byte[] packet = Packet("fd00:1::1000", "2001:db8::1", nextHeader: 58, payload: [128, 0, 0, 0, 0, 1, 0, 1, 9, 9, 9, 9]);
        byte[] output = new byte[Icmpv6Unreachable.MaxPacketBytes];

        int n = Icmpv6Unreachable.Write(packet, Server, 1500, output);

        Assert.Equal(40 + 8 + packet.Length, n);
        Assert.Equal(0x60, output[0] & 0xF0);
        Assert.Equal(8 + packet.Length, BinaryPrimitives.ReadUInt16BigEndian(output.AsSpan(4)));
        Assert.Equal(58, output[6]);
        Assert.Equal(packet[7], output[7]); // hop limit kept, as OpenVPN does
        Assert.Equal(IPAddress.Parse("fd00:1::1"), new IPAddress(output.AsSpan(8, 16)));
        Assert.Equal(IPAddress.Parse("fd00:1::1000"), new IPAddress(output.AsSpan(24, 16)));
        Assert.Equal(1, output[40]); // destination unreachable
        Assert.Equal(0, output[41]); // no route to destination
        Assert.Equal(packet, output.AsSpan(48, packet.Length).ToArray());
        Assert.Equal(0xFFFF, OnesComplementSum(output.AsSpan(0, n)));
    }

    [Fact]
    public void LargePacket_IsCutSoTheErrorFitsIn1280Bytes_OrTheTunMtu()
    {
        byte[] packet = Packet("fd00:1::1000", "2001:db8::1", nextHeader: 17, payload: new byte[1400]);
        byte[] output = new byte[Icmpv6Unreachable.MaxPacketBytes];

        Assert.Equal(1280, Icmpv6Unreachable.Write(packet, Server, 1500, output));
        Assert.Equal(0xFFFF, OnesComplementSum(output.AsSpan(0, 1280)));
        Assert.Equal(1000, Icmpv6Unreachable.Write(packet, Server, 1000, output));
        Assert.Equal(0xFFFF, OnesComplementSum(output.AsSpan(0, 1000)));
    }

    [Theory]
    [InlineData("fd00:1::1000", "ff02::2", 58, 133)] // router solicitation to a multicast group
    [InlineData("::", "2001:db8::1", 17, 0)] // unspecified source
    [InlineData("fd00:1::1000", "2001:db8::1", 58, 1)] // an ICMPv6 error itself
    public void NoErrorWhereRfc4443Forbids(string source, string destination, byte nextHeader, byte firstPayloadByte)
    {
        byte[] packet = Packet(source, destination, nextHeader, [firstPayloadByte, 0, 0, 0, 0, 0, 0, 0]);
        Assert.Equal(0, Icmpv6Unreachable.Write(packet, Server, 1500, new byte[Icmpv6Unreachable.MaxPacketBytes]));
    }

    [Fact]
    public void NotIpv6_OrTooShort_GivesNothing()
    {
        byte[] output = new byte[Icmpv6Unreachable.MaxPacketBytes];
        Assert.Equal(0, Icmpv6Unreachable.Write(new byte[39], Server, 1500, output));
        byte[] ipv4 = new byte[60];
        ipv4[0] = 0x45;
        Assert.Equal(0, Icmpv6Unreachable.Write(ipv4, Server, 1500, output));
    }

    private static byte[] Packet(string source, string destination, byte nextHeader, byte[] payload)
    {
        byte[] packet = new byte[40 + payload.Length];
        packet[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4), (ushort)payload.Length);
        packet[6] = nextHeader;
        packet[7] = 64;
        IPAddress.Parse(source).TryWriteBytes(packet.AsSpan(8, 16), out _);
        IPAddress.Parse(destination).TryWriteBytes(packet.AsSpan(24, 16), out _);
        payload.CopyTo(packet.AsSpan(40));
        return packet;
    }

    /// <summary>Sum over the pseudo-header and the ICMPv6 message, written independently of the code under test.</summary>
    private static int OnesComplementSum(ReadOnlySpan<byte> ipv6Packet)
    {
        int length = ipv6Packet.Length - 40;
        var pseudo = new byte[40 + length];
        ipv6Packet.Slice(8, 32).CopyTo(pseudo);
        BinaryPrimitives.WriteInt32BigEndian(pseudo.AsSpan(32), length);
        pseudo[39] = 58;
        ipv6Packet[40..].CopyTo(pseudo.AsSpan(40));
        long sum = 0;
        for (int i = 0; i < pseudo.Length; i += 2)
        {
            sum += (pseudo[i] << 8) | (i + 1 < pseudo.Length ? pseudo[i + 1] : 0);
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (int)sum;
    }
}
