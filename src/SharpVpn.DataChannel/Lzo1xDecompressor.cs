namespace SharpVpn.DataChannel;

/// <summary>
/// Safe LZO1X decompressor (the format liblzo2's lzo1x_1_15_compress produces and OpenVPN's
/// <c>comp-lzo</c> sends; OpenVPN decompresses with lzo1x_decompress_safe). Written from the
/// documented format (Linux Documentation/staging/lzo.rst); every read and write is bounds
/// checked, so malformed input returns false and never reads or writes out of range.
/// <code>
/// first byte 18..20: copy (b-17) literals, then continue as after a match
/// first byte  >= 21: copy (b-17) literals, then "after a literal run"
/// 0000LLLL  (state 0) literal run of L+3 bytes (L=0: 15 + 255*zeros + next byte)
/// 0000DDSS  (after literals) 3-byte match, dist = 2049 + (D&3..) + (next &lt;&lt; 2); then SS literals
/// 0000DDSS  (after 1..3 literals) 2-byte match, dist = 1 + (t&gt;&gt;2) + (next &lt;&lt; 2)
/// 01LDDDSS / 1LLDDDSS  M2: len 3..8, dist = 1 + ((t&gt;&gt;2)&amp;7) + (next &lt;&lt; 3)
/// 001LLLLL + LE16     M3: len L+2 (L=0: 31 + ext), dist = 1 + (LE16 &gt;&gt; 2)
/// 0001HLLL + LE16     M4: len L+2 (L=0: 7 + ext), dist = 16384 + (H &lt;&lt; 14) + (LE16 &gt;&gt; 2); dist 16384 = end of stream
/// the low 2 bits of the last distance byte (SS) = literals (0..3) copied after a match.
/// </code>
/// </summary>
public static class Lzo1xDecompressor
{
    private const int M2MaxOffset = 0x0800;

    /// <summary>
    /// Decompresses <paramref name="source"/> into <paramref name="destination"/> (its length is
    /// the hard output bound). Returns false for any malformed or oversize stream, or trailing
    /// input (liblzo2 LZO_E_INPUT_NOT_CONSUMED).
    /// </summary>
    public static bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int ip = 0;
        int op = 0;
        int ipEnd = source.Length;
        int opEnd = destination.Length;
        int t;
        int mPos;

        if (ipEnd == 0)
        {
            return false;
        }

        if (source[0] > 17)
        {
            t = source[ip++] - 17;
            if (t < 4)
            {
                goto MatchNext;
            }

            if (opEnd - op < t || ipEnd - ip < t + 3)
            {
                return false;
            }

            source.Slice(ip, t).CopyTo(destination[op..]);
            ip += t;
            op += t;
            goto FirstLiteralRun;
        }

    Outer:
        if (ipEnd - ip < 3)
        {
            return false;
        }

        t = source[ip++];
        if (t >= 16)
        {
            goto Match;
        }

        if (t == 0)
        {
            if (!ReadRun(source, ref ip, ref t))
            {
                return false;
            }

            t += 15 + source[ip++];
        }

        // Literal run of t + 3 bytes; at least 3 more input bytes must follow.
        if (opEnd - op < t + 3 || ipEnd - ip < t + 6)
        {
            return false;
        }

        source.Slice(ip, t + 3).CopyTo(destination[op..]);
        ip += t + 3;
        op += t + 3;

    FirstLiteralRun:
        t = source[ip++];
        if (t >= 16)
        {
            goto Match;
        }

        // 3-byte match just after a literal run: distance 2049..3072.
        mPos = op - (1 + M2MaxOffset) - (t >> 2) - (source[ip++] << 2);
        if (mPos < 0 || opEnd - op < 3)
        {
            return false;
        }

        destination[op++] = destination[mPos++];
        destination[op++] = destination[mPos++];
        destination[op++] = destination[mPos];
        goto MatchDone;

    Match:
        if (t >= 64)
        {
            // M2: 3..8 bytes, distance 1..2048.
            mPos = op - 1 - ((t >> 2) & 7) - (source[ip++] << 3);
            t = (t >> 5) - 1;
        }
        else if (t >= 32)
        {
            // M3: distance 1..16384.
            t &= 31;
            if (t == 0)
            {
                if (!ReadRun(source, ref ip, ref t))
                {
                    return false;
                }

                t += 31 + source[ip++];
                if (ipEnd - ip < 2)
                {
                    return false;
                }
            }

            mPos = op - 1 - ((source[ip] >> 2) + (source[ip + 1] << 6));
            ip += 2;
        }
        else if (t >= 16)
        {
            // M4: distance 16385..49151, or the end-of-stream marker.
            mPos = op - ((t & 8) << 11);
            t &= 7;
            if (t == 0)
            {
                if (!ReadRun(source, ref ip, ref t))
                {
                    return false;
                }

                t += 7 + source[ip++];
                if (ipEnd - ip < 2)
                {
                    return false;
                }
            }

            mPos -= (source[ip] >> 2) + (source[ip + 1] << 6);
            ip += 2;
            if (mPos == op)
            {
                goto Eof;
            }

            mPos -= 0x4000;
        }
        else
        {
            // 2-byte match after 1..3 literals: distance 1..1024.
            mPos = op - 1 - (t >> 2) - (source[ip++] << 2);
            if (mPos < 0 || opEnd - op < 2)
            {
                return false;
            }

            destination[op++] = destination[mPos++];
            destination[op++] = destination[mPos];
            goto MatchDone;
        }

        // Copy t + 2 bytes; source and destination may overlap (run-length style), so byte-wise
        // unless the distance covers the whole length.
        if (mPos < 0 || opEnd - op < t + 2)
        {
            return false;
        }

        {
            int len = t + 2;
            if (op - mPos >= len)
            {
                destination.Slice(mPos, len).CopyTo(destination[op..]);
                op += len;
            }
            else
            {
                for (int i = 0; i < len; i++)
                {
                    destination[op++] = destination[mPos++];
                }
            }
        }

    MatchDone:
        t = source[ip - 2] & 3;
        if (t == 0)
        {
            goto Outer;
        }

    MatchNext:
        // 1..3 literals, then the next instruction (3 bytes must remain).
        if (opEnd - op < t || ipEnd - ip < t + 3)
        {
            return false;
        }

        for (int i = 0; i < t; i++)
        {
            destination[op++] = source[ip++];
        }

        t = source[ip++];
        goto Match;

    Eof:
        written = op;
        return ip == ipEnd;
    }

    // Zero bytes extend a length by 255 each (ip at the first candidate zero).
    private static bool ReadRun(ReadOnlySpan<byte> source, ref int ip, ref int t)
    {
        while (true)
        {
            if (ip >= source.Length)
            {
                return false;
            }

            if (source[ip] != 0)
            {
                return true;
            }

            t += 255;
            ip++;
            if (t > 1 << 24)
            {
                return false;
            }
        }
    }
}
