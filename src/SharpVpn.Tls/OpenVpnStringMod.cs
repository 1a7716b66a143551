namespace SharpVpn.Tls;

/// <summary>
/// OpenVPN's string_mod(s, CC_PRINT, CC_CRLF, replace) (buffer.c), the one rule for text that crosses from a peer or
/// a user into names, scripts and the wire. CC_PRINT is every byte from 32 up except 127 ("ascii non-control and
/// UTF-8"), so over a UTF-8 string it keeps each character that is not a control character below U+0020 or DEL:
/// all bytes of a non-ASCII character are 0x80 or more. Testing characters therefore gives OpenVPN's result.
/// </summary>
public static class OpenVpnStringMod
{
    /// <summary>CC_PRINT minus CC_CRLF for one character of a UTF-16 string.</summary>
    public static bool IsPrint(char c) => c >= ' ' && c != '\x7f';

    /// <summary>string_mod(s, CC_PRINT, CC_CRLF, '_'): every control character becomes '_' (names, script values).</summary>
    public static string ReplaceControls(string text) =>
        string.Create(text.Length, text, static (span, s) =>
        {
            for (int i = 0; i < s.Length; i++)
            {
                span[i] = IsPrint(s[i]) ? s[i] : '_';
            }
        });

    /// <summary>string_mod(s, CC_PRINT, CC_CRLF, 0): control characters are dropped (a client's credentials).</summary>
    public static string RemoveControls(string text)
    {
        int keep = 0;
        foreach (char c in text)
        {
            keep += IsPrint(c) ? 1 : 0;
        }

        return keep == text.Length ? text : string.Create(keep, text, static (span, s) =>
        {
            int n = 0;
            foreach (char c in s)
            {
                if (IsPrint(c))
                {
                    span[n++] = c;
                }
            }
        });
    }
}
