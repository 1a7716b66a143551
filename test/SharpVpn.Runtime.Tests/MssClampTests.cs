using System.Buffers.Binary;
using SharpVpn.Config;
using SharpVpn.Runtime.DataPath;

namespace SharpVpn.Runtime.Tests;

public sealed class MssClampTests
{
    [Fact]
    public void Ipv4Syn_MssAboveTheLimit_IsLoweredAndTheTcpChecksumStaysValid()
    {
        byte[] packet = MakeIpv4Tcp(syn: true, mss: 1460);
        Assert.True(TcpChecksumValid(packet));

        MssClamp.Apply(packet, 1400);

        Assert.Equal(1400, BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(20 + 20 + 4 + 2)));
        Assert.True(TcpChecksumValid(packet));
    }

    [Theory]
    [InlineData(true, 1300, 1400)]  // already small enough
    [InlineData(false, 1460, 1400)] // not a SYN
    [InlineData(true, 1460, 0)]     // mssfix 0 = off
    public void OtherPackets_AreLeftUntouched(bool syn, int mss, int limit)
    {
        byte[] packet = MakeIpv4Tcp(syn, mss);
        byte[] before = (byte[])packet.Clone();
        MssClamp.Apply(packet, limit);
        Assert.Equal(before, packet);
    }

    [Theory]
    [InlineData(null, 1400)] // no mssfix line: OpenVPN 2.6's default
    [InlineData(0, 0)]       // mssfix 0: off
    [InlineData(1450, 1386)] // mssfix 1450: without encapsulation, minus 24 (AEAD V2) and 40
    public void ForConfig_FollowsOpenVpnsMssfixMeaning(int? mssfix, int expected) =>
        Assert.Equal(expected, MssClamp.ForConfig(mssfix));

    [Theory]
    [InlineData("mssfix", 1400)]            // bare: OpenVPN's default, 1492 mtu
    [InlineData("mssfix 1492 mtu", 1400)]   // the default written out
    [InlineData("mssfix 1450", 1386)]       // encrypted payload size
    [InlineData("mssfix 1450 mtu", 1358)]   // also minus outer IPv4 + UDP
    [InlineData("mssfix 1400 fixed", 1360)] // inner packet size: only minus IPv4 + TCP
    [InlineData("mssfix 0", 0)]
    public void ConfigLine_GivesTheMss(string line, int expected)
    {
        const string Cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUCA==\n-----END CERTIFICATE-----";
        const string Key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEG\n-----END PRIVATE KEY-----";
        string text = $"client\ndev tun\nremote 192.0.2.1\n<ca>\n{Cert}\n</ca>\n<cert>\n{Cert}\n</cert>\n<key>\n{Key}\n</key>\n{line}\n";
        ClientConfig config = ConfigParser.ParseClientFromText(text, "client.conf", "/tmp");
        Assert.Equal(expected, MssClamp.ForConfig(config.Tun.MssFix, config.Tun.MssFixMode));
    }

    [Fact]
    public void DataChannelPipe_ClampsSynsInBothDirections()
    {
        using var pair = new SessionPair();
        var client = new DataChannelPipe(pair.Client, SharpVpn.DataChannel.CompressionFramingMode.None);
        var server = new DataChannelPipe(pair.Server, SharpVpn.DataChannel.CompressionFramingMode.None) { MaxSegmentSize = 1200 };
        byte[] syn = MakeIpv4Tcp(syn: true, mss: 1460);
        byte[] plain = new byte[DataPathLayout.Headroom + syn.Length + 1];
        syn.CopyTo(plain, DataPathLayout.Headroom);
        byte[] wire = new byte[2048];
        byte[] scratch = new byte[2048];
        byte[] decompress = new byte[2048];

        // Client -> server: clamped to the client's default on the way in, then to the server's 1200 on the way out.
        int n = client.Seal(plain, DataPathLayout.Headroom, syn.Length, wire);
        Assert.Equal(InboundData.TunPacket, server.Open(wire.AsSpan(0, n), scratch, decompress, out Span<byte> ip));
        Assert.Equal(1200, BinaryPrimitives.ReadUInt16BigEndian(ip[(20 + 20 + 4 + 2)..]));
        Assert.True(TcpChecksumValid(ip.ToArray()));
        Assert.Equal(MssClamp.DefaultMaxSegmentSize, BinaryPrimitives.ReadUInt16BigEndian(plain.AsSpan(DataPathLayout.Headroom + 20 + 20 + 4 + 2)));
    }

    /// <summary>IPv4 + TCP SYN with options NOP, NOP, MSS (as a header of 32 bytes: 12 bytes of options), valid checksum.</summary>
    private static byte[] MakeIpv4Tcp(bool syn, int mss)
    {
        byte[] p = new byte[20 + 32];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[8] = 64;
        p[9] = 6;
        new byte[] { 192, 168, 1, 1 }.CopyTo(p, 12);
        new byte[] { 10, 0, 1, 2 }.CopyTo(p, 16);
        Span<byte> tcp = p.AsSpan(20);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 5201);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 40000);
        tcp[12] = 8 << 4;
        tcp[13] = (byte)(syn ? 0x12 : 0x10);
        tcp[20] = 1;
        tcp[21] = 1;
        tcp[22] = 1;
        tcp[23] = 1;
        tcp[24] = 2;
        tcp[25] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[26..], (ushort)mss);
        tcp[28] = 1;
        tcp[29] = 1;
        tcp[30] = 1;
        tcp[31] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], (ushort)~Sum(p));
        return p;
    }

    private static bool TcpChecksumValid(byte[] p) => (ushort)~Sum(p) == 0;

    /// <summary>One's-complement sum of the TCP pseudo header and segment (RFC 9293 3.1).</summary>
    private static uint Sum(byte[] p)
    {
        uint sum = 0;
        for (int i = 12; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(i));
        }

        sum += 6;
        sum += (uint)(p.Length - 20);
        for (int i = 20; i < p.Length; i += 2)
        {
            sum += i + 1 < p.Length ? BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(i)) : (uint)(p[i] << 8);
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum;
    }
}
