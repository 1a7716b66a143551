using System.Text;

namespace SharpVpn.Protocol.Control;

/// <summary>
/// Builds PUSH_REPLY messages with OpenVPN's continuation scheme (openvpn-protocol.md §10.5; src/openvpn/push.c
/// <c>send_push_reply</c>): options joined by ',', each message at most 1024 bytes with 84 kept spare; every
/// message but the last ends in ",push-continuation 2", the last in ",push-continuation 1"; a single message has none.
/// </summary>
public static class PushReply
{
    private const string Prefix = "PUSH_REPLY";
    private const int SpareBytes = 84;

    public static IReadOnlyList<string> Build(IReadOnlyList<string> options)
    {
        int budget = ControlMessage.MaxBytes - SpareBytes;
        var messages = new List<string>();
        var current = new StringBuilder(Prefix);
        foreach (string option in options)
        {
            if (option.Contains(',', StringComparison.Ordinal) || option.Length == 0)
            {
                throw new ArgumentException($"Pushed option '{option}' is empty or contains a comma.", nameof(options));
            }
            if (Prefix.Length + 1 + option.Length > budget)
            {
                throw new ArgumentException($"Pushed option '{option[..Math.Min(40, option.Length)]}...' is too long for one message.", nameof(options));
            }
            if (current.Length + 1 + option.Length > budget)
            {
                messages.Add(current.Append(",push-continuation 2").ToString());
                current = new StringBuilder(Prefix);
            }
            current.Append(',').Append(option);
        }
        if (messages.Count > 0)
        {
            current.Append(",push-continuation 1");
        }
        messages.Add(current.ToString());
        return messages;
    }
}

/// <summary>
/// Client side: collects the options of one or more PUSH_REPLY messages until the one without
/// "push-continuation 2" arrives. The <c>push-continuation</c> items themselves are removed.
/// </summary>
public sealed class PushReplyAssembler
{
    private readonly List<string> _options = new();

    public bool IsComplete { get; private set; }

    public IReadOnlyList<string> Options => _options;

    /// <summary>Adds one PUSH_REPLY message; returns true when the reply is complete.</summary>
    public bool Add(string message)
    {
        if (IsComplete)
        {
            // A new reply (e.g. after a repeated PUSH_REQUEST) replaces the old one.
            _options.Clear();
            IsComplete = false;
        }
        bool more = false;
        string body = message.Length > "PUSH_REPLY".Length ? message["PUSH_REPLY,".Length..] : string.Empty;
        foreach (string item in body.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string option = item.Trim();
            if (option.StartsWith("push-continuation", StringComparison.Ordinal))
            {
                more = option == "push-continuation 2";
                continue;
            }
            if (option.Length > 0)
            {
                _options.Add(option);
            }
        }
        IsComplete = !more;
        return IsComplete;
    }

    /// <summary>The first argument of the first option named <paramref name="name"/>, e.g. "cipher" → "AES-256-GCM".</summary>
    public static string? Find(IReadOnlyList<string> options, string name)
    {
        foreach (string option in options)
        {
            if (option.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return option[(name.Length + 1)..].Trim();
            }
        }
        return null;
    }
}
