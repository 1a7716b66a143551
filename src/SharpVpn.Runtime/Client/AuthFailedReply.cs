using System.Globalization;
using System.Text;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// What a server's <c>AUTH_FAILED,REASON</c> asks of the client beyond "refused" (OpenVPN 2.6 push.c
/// receive_auth_failed):
/// <list type="bullet">
/// <item><c>TEMP[backoff N,advance no|addr|remote]:message</c>: a temporary refusal; try again after N s
/// (options_util.c parse_auth_failed_temp);</item>
/// <item><c>CRV1:FLAGS:STATE_ID:BASE64_USER:TEXT</c>: a dynamic challenge (flags E = echo the response, R = a response
/// is required); the client asks "CHALLENGE: TEXT" and logs in as USER with the password
/// <c>CRV1::STATE_ID::RESPONSE</c> (misc.c get_auth_challenge, get_user_pass_cr).</item>
/// </list>
/// </summary>
internal sealed record AuthFailedReply
{
    private const string SessionPrefix = "AUTH_FAILED: ";

    /// <summary>TEMP: a temporary refusal.</summary>
    public bool IsTemporary { get; private init; }

    /// <summary>TEMP's backoff in seconds (0 = none given).</summary>
    public int BackoffSeconds { get; private init; }

    /// <summary>TEMP's advance flag: true = next remote, false = stay, null = not given.</summary>
    public bool? AdvanceRemote { get; private init; }

    /// <summary>CRV1: the challenge, or null.</summary>
    public DynamicChallenge? Challenge { get; private init; }

    /// <summary>The server's control message as it came ("AUTH_FAILED,REASON"), for OpenVPN's log line.</summary>
    public static string ControlMessage(string message) =>
        message.StartsWith(SessionPrefix, StringComparison.Ordinal) ? "AUTH_FAILED," + message[SessionPrefix.Length..] : message;

    /// <summary>Reads the session's close message ("AUTH_FAILED" or "AUTH_FAILED: REASON").</summary>
    public static AuthFailedReply Parse(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string reason = message.StartsWith(SessionPrefix, StringComparison.Ordinal) ? message[SessionPrefix.Length..] : string.Empty;
        if (reason.StartsWith("TEMP", StringComparison.Ordinal))
        {
            return ParseTemporary(reason["TEMP".Length..]);
        }

        return new AuthFailedReply { Challenge = DynamicChallenge.Parse(reason) };
    }

    private static AuthFailedReply ParseTemporary(string rest)
    {
        int backoff = 0;
        bool? advance = null;
        int end = rest.IndexOf(']', StringComparison.Ordinal);
        if (rest.StartsWith('[') && end > 0)
        {
            foreach (string flag in rest[1..end].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (flag.StartsWith("backoff ", StringComparison.Ordinal))
                {
                    backoff = int.TryParse(flag["backoff ".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int s) ? s : 0;
                }
                else if (flag.StartsWith("advance ", StringComparison.Ordinal))
                {
                    advance = flag["advance ".Length..] switch { "no" => false, "remote" or "addr" => true, _ => advance };
                }
            }
        }

        return new AuthFailedReply { IsTemporary = true, BackoffSeconds = backoff, AdvanceRemote = advance };
    }
}

/// <summary>A CRV1 dynamic challenge from the server (see <see cref="AuthFailedReply"/>).</summary>
internal sealed record DynamicChallenge(bool Echo, bool ResponseRequired, string StateId, string Username, string Text)
{
    /// <summary>The password that answers it: <c>CRV1::STATE_ID::RESPONSE</c>.</summary>
    public string PasswordFor(string response) => $"CRV1::{StateId}::{response}";

    public static DynamicChallenge? Parse(string reason)
    {
        // CRV1:FLAGS:STATE_ID:BASE64_USER:TEXT (the text may hold ':').
        string[] parts = reason.Split(':', 5);
        if (parts.Length < 5 || parts[0] != "CRV1")
        {
            return null;
        }

        string user;
        try
        {
            user = Encoding.UTF8.GetString(Convert.FromBase64String(parts[3]));
        }
        catch (FormatException)
        {
            return null;
        }

        return new DynamicChallenge(parts[1].Contains('E', StringComparison.Ordinal), parts[1].Contains('R', StringComparison.Ordinal), parts[2], user, parts[4]);
    }
}
