using System.Text;

namespace SharpVpn.Protocol.Control;

/// <summary>Kinds of control-channel text messages (openvpn-protocol.md §10.4; src/openvpn/forward.c).</summary>
public enum ControlMessageKind
{
    Unknown,
    PushRequest,
    PushReply,
    AuthFailed,
    AuthPending,
    InfoPre,
    Info,
    Restart,
    Halt,
    Exit,
    CrResponse,
}

/// <summary>A received control text message.</summary>
/// <param name="Kind">What the prefix says.</param>
/// <param name="Text">The whole message without the NUL (e.g. "AUTH_FAILED,bad password").</param>
public readonly record struct ControlMessage(ControlMessageKind Kind, string Text)
{
    /// <summary>Longest message we send or accept, terminator included (PUSH_BUNDLE_SIZE).</summary>
    public const int MaxBytes = 1024;

    /// <summary>Text after the first comma, or empty (e.g. the reason of AUTH_FAILED).</summary>
    public string Argument
    {
        get
        {
            int comma = Text.IndexOf(',', StringComparison.Ordinal);
            return comma < 0 ? string.Empty : Text[(comma + 1)..];
        }
    }

    /// <summary>Classifies a message by its prefix, as 2.6's <c>parse_incoming_control_channel_command</c> does.</summary>
    public static ControlMessage Classify(string text)
    {
        ControlMessageKind kind = text switch
        {
            _ when Is(text, "PUSH_REQUEST") => ControlMessageKind.PushRequest,
            _ when Is(text, "PUSH_REPLY") => ControlMessageKind.PushReply,
            _ when Is(text, "AUTH_FAILED") => ControlMessageKind.AuthFailed,
            _ when Is(text, "AUTH_PENDING") => ControlMessageKind.AuthPending,
            _ when Is(text, "INFO_PRE") => ControlMessageKind.InfoPre,
            _ when Is(text, "INFO") => ControlMessageKind.Info,
            _ when Is(text, "RESTART") => ControlMessageKind.Restart,
            _ when Is(text, "HALT") => ControlMessageKind.Halt,
            _ when Is(text, "EXIT") => ControlMessageKind.Exit,
            _ when Is(text, "CR_RESPONSE") => ControlMessageKind.CrResponse,
            _ => ControlMessageKind.Unknown,
        };
        return new ControlMessage(kind, text);

        static bool Is(string t, string prefix) =>
            t.StartsWith(prefix, StringComparison.Ordinal) && (t.Length == prefix.Length || t[prefix.Length] == ',');
    }

    /// <summary>The bytes to write as one TLS record: ASCII text and a NUL (forward.c sends strlen + 1).</summary>
    public static byte[] Encode(string text)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(text) + 1];
        Encoding.UTF8.GetBytes(text, bytes);
        if (bytes.Length > MaxBytes)
        {
            throw new ArgumentException($"Control message of {bytes.Length} bytes exceeds {MaxBytes}.", nameof(text));
        }
        return bytes;
    }
}

/// <summary>
/// Splits the received TLS plaintext (after key method 2) into NUL-terminated messages, as 2.6's
/// <c>extract_command_buffer</c> does: trailing CR/LF stripped, messages with non-printable characters discarded,
/// over-long messages discarded (counted in <see cref="Discarded"/>).
/// </summary>
public sealed class ControlMessageReader
{
    private readonly List<byte> _partial = new();

    public int Discarded { get; private set; }

    /// <summary>Adds plaintext and returns the complete messages it finished.</summary>
    public IReadOnlyList<ControlMessage> Add(ReadOnlySpan<byte> plaintext)
    {
        List<ControlMessage>? result = null;
        foreach (byte b in plaintext)
        {
            if (b != 0)
            {
                if (_partial.Count <= ControlMessage.MaxBytes * 4)
                {
                    _partial.Add(b);
                }
                continue;
            }
            string? text = Finish();
            if (text is not null)
            {
                (result ??= new()).Add(ControlMessage.Classify(text));
            }
        }
        return result ?? (IReadOnlyList<ControlMessage>)[];
    }

    private string? Finish()
    {
        int n = _partial.Count;
        while (n > 0 && (_partial[n - 1] == '\r' || _partial[n - 1] == '\n'))
        {
            n--;
        }
        bool ok = n > 0 && n < ControlMessage.MaxBytes * 4;
        for (int i = 0; ok && i < n; i++)
        {
            byte c = _partial[i];
            ok = c >= 0x20 && c != 0x7F;
        }
        string? text = ok ? Encoding.UTF8.GetString(_partial.GetRange(0, n).ToArray()) : null;
        if (!ok && _partial.Count > 0)
        {
            Discarded++;
        }
        _partial.Clear();
        return text;
    }
}
