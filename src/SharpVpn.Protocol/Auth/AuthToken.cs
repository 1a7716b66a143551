using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SharpVpn.Protocol.Keys;

namespace SharpVpn.Protocol.Auth;

/// <summary>What a check of an auth-token found (auth_token.h AUTH_TOKEN_*).</summary>
[Flags]
public enum AuthTokenCheck
{
    /// <summary>Not a token of this server (bad HMAC, wrong size, or another session's id): refused.</summary>
    Invalid = 0,

    /// <summary>Signed by this server for this username.</summary>
    HmacOk = 1,

    /// <summary>Outside its renewal window or past the lifetime: refused, the client is told "SESSION: token expired".</summary>
    Expired = 2,

    /// <summary>Signed for the empty username (only with external-auth scripts that issued it so).</summary>
    ValidEmptyUser = 4,
}

/// <summary>
/// OpenVPN's auth-gen-token session tokens (auth_token.c), so a client that logged in once with a one-time password
/// or an LDAP password can renegotiate and reconnect without asking its user again:
/// <code>
/// token = "SESS_ID_AT_" base64( session id (12 random bytes) | initial time (u64 BE) | issue time (u64 BE) |
///                               HMAC-SHA256(secret, username | session id | initial time | issue time) )
/// </code>
/// A token is accepted from its issue time until two renewal periods later (a renewed one is pushed at every
/// renegotiation), and not after its lifetime counted from the session's first login; renewals keep the session id
/// and initial time. Only the server reads tokens; clients send them back as the password, unread.
/// </summary>
public static class AuthToken
{
    /// <summary>What every token starts with.</summary>
    public const string Prefix = "SESS_ID_AT_";

    private const int SessionIdBytes = 12;
    private const int SessionIdBase64Chars = SessionIdBytes * 4 / 3;
    private const int DataBytes = SessionIdBytes + 8 + 8 + HmacBytes;
    private const int HmacBytes = 32;

    /// <summary>Length of a token in characters (91).</summary>
    public static readonly int Length = Prefix.Length + (DataBytes * 4 / 3);

    /// <summary>Whether the password a client sent has the shape of a token (is_auth_token: prefix and length).</summary>
    public static bool LooksLikeToken(string password) =>
        password.Length == Length && password.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// A token for <paramref name="username"/> issued at <paramref name="nowUnix"/>: a renewal of
    /// <paramref name="initialToken"/> (same session id and initial time) if given, else a new session.
    /// </summary>
    public static string Generate(AuthTokenKey key, string username, long nowUnix, string? initialToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> data = stackalloc byte[DataBytes];
        if (initialToken is not null && TryDecode(initialToken, data))
        {
            // keep session id and initial time; the issue time and HMAC are written below
        }
        else
        {
            RandomNumberGenerator.Fill(data[..SessionIdBytes]);
            BinaryPrimitives.WriteInt64BigEndian(data.Slice(SessionIdBytes, 8), nowUnix);
        }

        BinaryPrimitives.WriteInt64BigEndian(data.Slice(SessionIdBytes + 8, 8), nowUnix);
        Sign(key, username, data[..(DataBytes - HmacBytes)], data[(DataBytes - HmacBytes)..]);
        return Prefix + Convert.ToBase64String(data);
    }

    /// <summary>
    /// Checks a token a client sent as its password (verify_auth_token): the HMAC for <paramref name="username"/> (or
    /// for the empty username), the renewal window (issue time .. issue time + 2 x <paramref name="renewalSeconds"/>),
    /// the lifetime from the initial time (0 = none), and that it belongs to <paramref name="initialToken"/>'s
    /// session when this connection already has one.
    /// </summary>
    public static AuthTokenCheck Verify(AuthTokenKey key, string username, string token, long nowUnix, int renewalSeconds,
        int lifetimeSeconds, string? initialToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> data = stackalloc byte[DataBytes];
        if (!LooksLikeToken(token) || !TryDecode(token, data))
        {
            return AuthTokenCheck.Invalid;
        }

        AuthTokenCheck result;
        if (HmacMatches(key, username, data))
        {
            result = AuthTokenCheck.HmacOk;
        }
        else if (HmacMatches(key, string.Empty, data))
        {
            result = AuthTokenCheck.HmacOk | AuthTokenCheck.ValidEmptyUser;
        }
        else
        {
            return AuthTokenCheck.Invalid;
        }

        long initial = BinaryPrimitives.ReadInt64BigEndian(data.Slice(SessionIdBytes, 8));
        long issued = BinaryPrimitives.ReadInt64BigEndian(data.Slice(SessionIdBytes + 8, 8));
        bool inRenewalWindow = nowUnix >= issued && nowUnix < issued + (2L * renewalSeconds);
        if (!inRenewalWindow || issued < initial || (lifetimeSeconds > 0 && nowUnix > initial + lifetimeSeconds))
        {
            result |= AuthTokenCheck.Expired;
        }

        // The session id must not change within a connection (prefix and session part compared in constant time).
        if (initialToken is not null && !CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(initialToken[..Math.Min(initialToken.Length, Prefix.Length + SessionIdBase64Chars)]),
                Encoding.ASCII.GetBytes(token[..(Prefix.Length + SessionIdBase64Chars)])))
        {
            return AuthTokenCheck.Invalid;
        }

        return result;
    }

    /// <summary>
    /// Push-reply text for a log: the value of every <c>auth-token</c> option replaced, so whoever reads the log cannot
    /// log in as the client with it.
    /// </summary>
    public static string RedactPushed(string text)
    {
        const string Option = "auth-token ";
        int at = text.IndexOf(Option, StringComparison.Ordinal);
        while (at >= 0)
        {
            int start = at + Option.Length;
            int end = text.IndexOf(',', start);
            end = end < 0 ? text.Length : end;
            text = string.Concat(text.AsSpan(0, start), "[redacted]", text.AsSpan(end));
            at = text.IndexOf(Option, start, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The 16-character session id scripts see as <c>session_id</c> (the token's base64 session part).</summary>
    public static string SessionIdOf(string token) =>
        LooksLikeToken(token) ? token.Substring(Prefix.Length, SessionIdBase64Chars) : string.Empty;

    private static bool TryDecode(string token, Span<byte> data)
    {
        if (!LooksLikeToken(token))
        {
            return false;
        }

        return Convert.TryFromBase64Chars(token.AsSpan(Prefix.Length), data, out int written) && written == DataBytes;
    }

    private static bool HmacMatches(AuthTokenKey key, string username, ReadOnlySpan<byte> data)
    {
        Span<byte> expected = stackalloc byte[HmacBytes];
        Sign(key, username, data[..(DataBytes - HmacBytes)], expected);
        return CryptographicOperations.FixedTimeEquals(expected, data[(DataBytes - HmacBytes)..]);
    }

    private static void Sign(AuthTokenKey key, string username, ReadOnlySpan<byte> body, Span<byte> mac)
    {
        byte[] user = Encoding.UTF8.GetBytes(username);
        byte[] message = new byte[user.Length + body.Length];
        user.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(user.Length));
        HMACSHA256.HashData(key.HmacKey, message, mac);
    }
}
