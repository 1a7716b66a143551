namespace SharpVpn.DataChannel;

/// <summary>
/// Safe LZ4 block decompressor (what OpenVPN's <c>compress lz4</c>/<c>lz4-v2</c> peers send;
/// OpenVPN uses LZ4_decompress_safe). Written from the LZ4 block format description
/// (lz4/doc/lz4_Block_format.md):
/// <code>
/// sequence = token | [literal length ext: 255...,n] | literals | offset LE16 | [match length ext]
/// token high nibble = literal length (15 = extended), low nibble = match length - 4 (15 = extended)
/// the last sequence has literals only; the last 5 bytes are literals and the last match
/// starts at least 12 bytes before the end of the block
/// </code>
/// Every read and write is bounds checked; malformed input returns false.
/// </summary>
public static class Lz4BlockDecompressor
{
    private const int MinMatch = 4;
    private const int LastLiterals = 5;  // the last 5 bytes of a block are always literals
    private const int MfLimit = 12;      // a match may not start within the last 12 bytes

    /// <summary>
    /// Decompresses one LZ4 block into <paramref name="destination"/> (its length is the hard
    /// output bound). Returns false for malformed input or output that would not fit.
    /// </summary>
    public static bool TryDecompress(ReadOnlySpan<byte> source, Span<byte> destination, out int written)
    {
        written = 0;
        int ip = 0;
        int op = 0;
        int ipEnd = source.Length;
        int opEnd = destination.Length;
        if (ipEnd == 0)
        {
            return false;
        }

        while (true)
        {
            if (ip >= ipEnd)
            {
                return false;
            }

            int token = source[ip++];
            int litLen = token >> 4;
            if (litLen == 15 && !ReadLength(source, ref ip, ref litLen))
            {
                return false;
            }

            if (litLen > ipEnd - ip || litLen > opEnd - op)
            {
                return false;
            }

            // A literal run that reaches into the end zone must be the block's last sequence.
            bool last = ip + litLen > ipEnd - (2 + 1 + LastLiterals) || op + litLen > opEnd - MfLimit;
            if (last && ip + litLen != ipEnd)
            {
                return false;
            }

            source.Slice(ip, litLen).CopyTo(destination[op..]);
            ip += litLen;
            op += litLen;
            if (last)
            {
                break;
            }

            int offset = source[ip] | (source[ip + 1] << 8);
            ip += 2;
            if (offset == 0 || offset > op)
            {
                return false;
            }

            int matchLen = token & 15;
            if (matchLen == 15 && !ReadLength(source, ref ip, ref matchLen))
            {
                return false;
            }

            matchLen += MinMatch;
            if (matchLen > opEnd - LastLiterals - op)
            {
                return false;
            }

            int m = op - offset;
            if (offset >= matchLen)
            {
                destination.Slice(m, matchLen).CopyTo(destination[op..]);
                op += matchLen;
            }
            else
            {
                for (int i = 0; i < matchLen; i++)
                {
                    destination[op++] = destination[m++];
                }
            }
        }

        written = op;
        return op > 0;
    }

    private static bool ReadLength(ReadOnlySpan<byte> source, ref int ip, ref int length)
    {
        int b;
        do
        {
            if (ip >= source.Length)
            {
                return false;
            }

            b = source[ip++];
            length += b;
            if (length > 1 << 24)
            {
                return false;
            }
        }
        while (b == 255);

        return true;
    }
}
