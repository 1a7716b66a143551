namespace SharpVpn.DataChannel.Tests;

internal static class Hex
{
    public static byte[] Parse(string hex) => Convert.FromHexString(string.Concat(hex.Where(c => !char.IsWhiteSpace(c))));

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    public static byte[] Range(int from, int count) => Enumerable.Range(from, count).Select(i => (byte)i).ToArray();
}
