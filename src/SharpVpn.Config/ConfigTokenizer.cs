using System.Text;

namespace SharpVpn.Config;

/// <summary>
/// Splits an OpenVPN config into directives exactly as OpenVPN does
/// (src/openvpn/options_parse.c <c>parse_line</c>, <c>check_inline_file</c>, <c>read_config_file</c>):
/// <list type="bullet">
/// <item>a token starting with <c>#</c> or <c>;</c> (after whitespace) starts a comment; inside a token they are literal;</item>
/// <item>arguments are separated by whitespace (CR counts as whitespace, so CRLF files work);</item>
/// <item><c>"..."</c> quotes with backslash escapes; <c>'...'</c> quotes without escapes;</item>
/// <item>outside single quotes a backslash may only escape <c>\</c>, <c>"</c> or whitespace (anything else is an error, as in OpenVPN);</item>
/// <item>a leading <c>--</c> on the option name is dropped;</item>
/// <item>a line holding only <c>&lt;tag&gt;</c> starts an inline block that ends at the first line whose
/// text (after leading whitespace) starts with <c>&lt;/tag&gt;</c>;</item>
/// <item>a UTF-8 BOM at the very start is ignored.</item>
/// </list>
/// </summary>
public static class ConfigTokenizer
{
    public static IReadOnlyList<ConfigLine> Tokenize(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text[1..];
        }

        string[] lines = text.Split('\n');
        var result = new List<ConfigLine>();
        for (int i = 0; i < lines.Length; i++)
        {
            int lineNumber = i + 1;
            List<string> tokens = TokenizeLine(lines[i], sourceName, lineNumber);
            if (tokens.Count == 0)
            {
                continue;
            }

            string name = tokens[0];
            if (name.Length >= 3 && name.StartsWith("--", StringComparison.Ordinal))
            {
                name = name[2..];
            }

            if (tokens.Count == 1 && name.Length > 2 && name[0] == '<' && name[^1] == '>')
            {
                string tag = name[1..^1];
                if (tag.StartsWith('/'))
                {
                    throw new ConfigException(sourceName, lineNumber, tag[1..], $"closing tag {name} without an opening <{tag[1..]}>");
                }

                string closeTag = "</" + tag + ">";
                var content = new StringBuilder();
                int j = i + 1;
                bool closed = false;
                for (; j < lines.Length; j++)
                {
                    if (lines[j].TrimStart().StartsWith(closeTag, StringComparison.Ordinal))
                    {
                        closed = true;
                        break;
                    }

                    // Content is kept verbatim except for the CR of CRLF files.
                    content.Append(lines[j].TrimEnd('\r')).Append('\n');
                }

                if (!closed)
                {
                    throw new ConfigException(sourceName, lineNumber, tag, $"inline block <{tag}> has no closing {closeTag}");
                }

                result.Add(new ConfigLine(sourceName, lineNumber, tag, [content.ToString()], IsInline: true));
                i = j;
                continue;
            }

            tokens[0] = name;
            result.Add(new ConfigLine(sourceName, lineNumber, name, tokens.GetRange(1, tokens.Count - 1)));
        }

        return result;
    }

    private enum State
    {
        Initial,
        Unquoted,
        DoubleQuoted,
        SingleQuoted,
    }

    private static bool IsSpace(char c) => c == '\0' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';

    /// <summary>One line through the state machine of options_parse.c <c>parse_line</c>.</summary>
    public static List<string> TokenizeLine(string line, string sourceName, int lineNumber)
    {
        var tokens = new List<string>();
        var parm = new StringBuilder();
        State state = State.Initial;
        bool backslash = false;

        for (int pos = 0; pos <= line.Length; pos++)
        {
            char input = pos < line.Length ? line[pos] : '\0';
            char output = '\0';
            bool done = false;

            if (!backslash && input == '\\' && state != State.SingleQuoted)
            {
                backslash = true;
                continue;
            }

            switch (state)
            {
                case State.Initial:
                    if (!IsSpace(input))
                    {
                        if (input is ';' or '#')
                        {
                            // parse_line stops at a comment only between tokens (even after a backslash).
                            return tokens;
                        }

                        if (!backslash && input == '"')
                        {
                            state = State.DoubleQuoted;
                        }
                        else if (!backslash && input == '\'')
                        {
                            state = State.SingleQuoted;
                        }
                        else
                        {
                            output = input;
                            state = State.Unquoted;
                        }
                    }

                    break;
                case State.Unquoted:
                    if (!backslash && IsSpace(input))
                    {
                        done = true;
                    }
                    else
                    {
                        output = input;
                    }

                    break;
                case State.DoubleQuoted:
                    if (!backslash && input == '"')
                    {
                        done = true;
                    }
                    else
                    {
                        output = input;
                    }

                    break;
                case State.SingleQuoted:
                    if (input == '\'')
                    {
                        done = true;
                    }
                    else
                    {
                        output = input;
                    }

                    break;
            }

            if (done)
            {
                tokens.Add(parm.ToString());
                parm.Clear();
                state = State.Initial;
            }

            if (backslash && output != '\0' && !(output == '\\' || output == '"' || IsSpace(output)))
            {
                throw new ConfigException(sourceName, lineNumber, tokens.Count > 0 ? tokens[0] : null,
                    "bad backslash ('\\') usage: a backslash may only escape '\\', '\"' or a space (write Windows paths with double backslashes)");
            }

            backslash = false;
            if (output != '\0')
            {
                parm.Append(output);
            }
        }

        string? option = tokens.Count > 0 ? tokens[0] : null;
        if (state == State.DoubleQuoted)
        {
            throw new ConfigException(sourceName, lineNumber, option, "no closing quotation (\") on this line");
        }

        if (state == State.SingleQuoted)
        {
            throw new ConfigException(sourceName, lineNumber, option, "no closing single quotation (') on this line");
        }

        if (state != State.Initial)
        {
            // Only reachable through a trailing backslash at the end of the line.
            throw new ConfigException(sourceName, lineNumber, option, "the line ends inside an argument (trailing backslash)");
        }

        return tokens;
    }
}
