namespace SharpVpn.Protocol.Tests.Wire;

/// <summary>Hex helpers for vectors written with spaces, newlines and comments-free text.</summary>
internal static class Hex
{
    public static byte[] Parse(string text)
    {
        var sb = new System.Text.StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (Uri.IsHexDigit(c))
            {
                sb.Append(c);
            }
        }
        return Convert.FromHexString(sb.ToString());
    }

    public static string Of(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);
}
