namespace SharpVpn.DataChannel.Tests;

public class CompressionFramingTests
{
    private static readonly byte[] Ipv4 = [0x45, 0x00, 0x00, 0x54, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01];

    [Theory]
    [InlineData("comp-lzo", null, CompressionFramingMode.Lzo)]
    [InlineData("comp-lzo", "yes", CompressionFramingMode.Lzo)]
    [InlineData("comp-lzo", "adaptive", CompressionFramingMode.Lzo)]
    [InlineData("comp-lzo", "no", CompressionFramingMode.LzoStub)]
    [InlineData("compress", null, CompressionFramingMode.Stub)]
    [InlineData("compress", "stub", CompressionFramingMode.Stub)]
    [InlineData("compress", "stub-v2", CompressionFramingMode.StubV2)]
    [InlineData("compress", "lzo", CompressionFramingMode.Lzo)]
    [InlineData("compress", "lz4", CompressionFramingMode.Lz4)]
    [InlineData("compress", "lz4-v2", CompressionFramingMode.Lz4V2)]
    [InlineData("compress", "migrate", CompressionFramingMode.None)]
    public void ParseMode(string directive, string? arg, CompressionFramingMode expected)
    {
        Assert.True(CompressionFraming.TryParseMode(directive, arg, out CompressionFramingMode mode, out _));
        Assert.Equal(expected, mode);
    }

    [Fact]
    public void ParseMode_Errors()
    {
        Assert.False(CompressionFraming.TryParseMode("comp-lzo", "maybe", out _, out string? e1));
        Assert.Contains("yes", e1);
        Assert.False(CompressionFraming.TryParseMode("compress", "snappy", out _, out string? e2));
        Assert.Contains("snappy", e2);
    }

    // Outgoing layouts (lzo.c lzo_compress without compression, compstub.c stub_compress, comp.c compv2_escape_data_ifneeded).
    [Theory]
    [InlineData(CompressionFramingMode.None, "4500005412344000 4001")]
    [InlineData(CompressionFramingMode.Lzo, "fa 4500005412344000 4001")]
    [InlineData(CompressionFramingMode.LzoStub, "fa 4500005412344000 4001")]
    [InlineData(CompressionFramingMode.Stub, "fb 00005412344000 4001 45")]
    [InlineData(CompressionFramingMode.Lz4, "fb 00005412344000 4001 45")]
    [InlineData(CompressionFramingMode.StubV2, "4500005412344000 4001")]
    [InlineData(CompressionFramingMode.Lz4V2, "4500005412344000 4001")]
    public void FrameUncompressed_Layouts(CompressionFramingMode mode, string expected)
    {
        var f = new CompressionFraming(mode);
        byte[] dest = new byte[32];
        int n = f.FrameUncompressed(Ipv4, dest);
        Assert.Equal(Hex.Parse(expected), dest[..n]);

        // In place gives the same bytes.
        byte[] buf = new byte[32];
        Ipv4.CopyTo(buf, 4);
        int m = f.FrameInPlace(buf, 4, Ipv4.Length, out int at);
        Assert.Equal(Hex.Parse(expected), buf[at..(at + m)]);

        // And it unframes back.
        Assert.Equal(UnframeResult.Ok, f.Unframe(dest.AsSpan(0, n), new byte[64], out Span<byte> packet));
        Assert.Equal(Ipv4, packet.ToArray());
    }

    [Fact]
    public void V2_EscapesLeading0x50()
    {
        var f = new CompressionFraming(CompressionFramingMode.StubV2);
        byte[] p = [0x50, 1, 2];
        byte[] dest = new byte[8];
        int n = f.FrameUncompressed(p, dest);
        Assert.Equal("50005001" + "02", Hex.Of(dest.AsSpan(0, n)));
        Assert.Equal(UnframeResult.Ok, f.Unframe(dest.AsSpan(0, n), new byte[8], out Span<byte> back));
        Assert.Equal(p, back.ToArray());

        // What OpenVPN's own sender emits (0x50 0x0A, §9.7) is accepted too.
        byte[] openvpn = [0x50, 0x0A, 0x50, 1, 2];
        Assert.Equal(UnframeResult.Ok, f.Unframe(openvpn, new byte[8], out back));
        Assert.Equal(p, back.ToArray());
    }

    [Theory]
    [InlineData(CompressionFramingMode.Lzo, "66")]      // LZO header with garbage
    [InlineData(CompressionFramingMode.Lzo, "69 01 02")]
    [InlineData(CompressionFramingMode.Lzo, "fb 01 02")]
    [InlineData(CompressionFramingMode.LzoStub, "66 11 00 00")]
    [InlineData(CompressionFramingMode.Stub, "fa 01 02")]
    [InlineData(CompressionFramingMode.Stub, "69 01 02")]
    [InlineData(CompressionFramingMode.Lz4, "fa 01 02")]
    [InlineData(CompressionFramingMode.StubV2, "50 01 02")]
    [InlineData(CompressionFramingMode.StubV2, "50")]
    [InlineData(CompressionFramingMode.Lz4V2, "50 02 02")]
    [InlineData(CompressionFramingMode.Lz4V2, "50 01 ff ff")]
    public void Unframe_BadFrames_AreDroppedAndCounted(CompressionFramingMode mode, string frame)
    {
        var f = new CompressionFraming(mode);
        UnframeResult r = f.Unframe(Hex.Parse(frame), new byte[64], out Span<byte> packet);
        Assert.True(r is UnframeResult.BadHeader or UnframeResult.DecompressFailed, r.ToString());
        Assert.True(packet.IsEmpty);
        Assert.Equal(1, f.DroppedFrames);
    }

    [Fact]
    public void Unframe_Lzo_RespectsHardBound()
    {
        // 0x66 + LZO1X of 1500 zero bytes (made by liblzo2): must not decompress into 1499 bytes.
        var f = new CompressionFraming(CompressionFramingMode.Lzo);
        byte[] input = new byte[1500];
        byte[] lzo = LzoZeros1500();
        byte[] frame = [0x66, .. lzo];
        Assert.Equal(UnframeResult.DecompressFailed, f.Unframe(frame.ToArray(), new byte[1499], out _));
        Assert.Equal(UnframeResult.Decompressed, f.Unframe(frame.ToArray(), new byte[1500], out Span<byte> p));
        Assert.Equal(input, p.ToArray());
        Assert.Equal(1, f.DecompressedFrames);
        Assert.Equal(1, f.DroppedFrames);
    }

    [Fact]
    public void Unframe_Lz4Swap_And_Lz4V2()
    {
        // LZ4 block for "abcabcabcabcabcabcabcabc..." (token: 3 literals, match offset 3).
        byte[] plain = System.Text.Encoding.ASCII.GetBytes("abcabcabcabcabcabcabcabcabcabcabcHELLO");
        // token 0x3F: 3 literals "abc", offset 3, match length 4 + 15 + 11 = 30; then a last sequence of 5 literals.
        byte[] block = [0x3F, (byte)'a', (byte)'b', (byte)'c', 0x03, 0x00, 11, 0x50, (byte)'H', (byte)'E', (byte)'L', (byte)'L', (byte)'O'];
        Assert.True(Lz4BlockDecompressor.TryDecompress(block, new byte[100], out int n));
        Assert.Equal(plain.Length, n);

        var v2 = new CompressionFraming(CompressionFramingMode.Lz4V2);
        Assert.Equal(UnframeResult.Decompressed, v2.Unframe([0x50, 0x01, .. block], new byte[100], out Span<byte> p));
        Assert.Equal(plain, p.ToArray());

        // Swap mode: 0x69 replaces the first byte, which moves to the end.
        byte[] swapped = [0x69, .. block[1..], block[0]];
        var lz4 = new CompressionFraming(CompressionFramingMode.Lz4);
        Assert.Equal(UnframeResult.Decompressed, lz4.Unframe(swapped, new byte[100], out p));
        Assert.Equal(plain, p.ToArray());
    }

    [Fact]
    public void PingInsideFraming_IsRecognisedAfterUnframing()
    {
        var f = new CompressionFraming(CompressionFramingMode.Stub);
        byte[] framed = new byte[17];
        f.FrameUncompressed(DataChannelMessages.PingMagic, framed);
        Assert.False(DataChannelMessages.IsPing(framed));
        Assert.Equal(UnframeResult.Ok, f.Unframe(framed, default, out Span<byte> p));
        Assert.True(DataChannelMessages.IsPing(p));
    }

    [Fact]
    public void Unframe_RandomGarbage_NeverThrows_AndStaysInBounds()
    {
        var rng = new Random(42);
        byte[] dbuf = new byte[1600];
        foreach (CompressionFramingMode mode in Enum.GetValues<CompressionFramingMode>())
        {
            var f = new CompressionFraming(mode);
            for (int i = 0; i < 20000; i++)
            {
                byte[] frame = new byte[rng.Next(0, 200)];
                rng.NextBytes(frame);
                if (frame.Length > 0 && rng.Next(2) == 0)
                {
                    frame[0] = (byte)(rng.Next(2) == 0 ? 0x66 : rng.Next(2) == 0 ? 0x69 : 0x50);
                }

                UnframeResult r = f.Unframe(frame, dbuf, out Span<byte> p);
                Assert.True(p.Length <= Math.Max(frame.Length, dbuf.Length));
                Assert.True(r is UnframeResult.Ok or UnframeResult.Decompressed ? !p.IsEmpty : p.IsEmpty);
            }
        }
    }

    // liblzo2 lzo1x_1_15_compress of 1500 zero bytes, from Vectors/compress_vectors.tsv.gz (kind0_len1500).
    private static byte[] LzoZeros1500()
    {
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Vectors", "compress_vectors.tsv.gz")), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        while (reader.ReadLine() is { } line)
        {
            string[] v = line.Split('\t');
            if (v[1] == "kind0_len1500" && v[2] == "lzo1x_1_15")
            {
                return Convert.FromHexString(v[4]);
            }
        }

        throw new InvalidOperationException("vector missing");
    }
}
