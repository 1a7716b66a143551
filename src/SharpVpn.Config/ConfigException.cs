namespace SharpVpn.Config;

/// <summary>
/// A config file (or a file it references) is not usable. <see cref="Exception.Message"/> is one
/// sentence that starts with "file:line:" and names the option, e.g.
/// <c>server.conf:7: option 'port': '70000' is not a port number</c>.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string sourceName, int line, string? option, string detail)
        : base(Format(sourceName, line, option, detail))
    {
        SourceName = sourceName;
        Line = line;
        Option = option;
        Detail = detail;
    }

    public ConfigException(string message) : base(message)
    {
        SourceName = string.Empty;
        Detail = message;
    }

    public ConfigException(string message, Exception innerException) : base(message, innerException)
    {
        SourceName = string.Empty;
        Detail = message;
    }

    public ConfigException()
    {
        SourceName = string.Empty;
        Detail = string.Empty;
    }

    /// <summary>File name as the user wrote it (or the name given to a FromText entry point).</summary>
    public string SourceName { get; }

    /// <summary>1-based line number; 0 when the problem is not tied to one line (e.g. a missing option).</summary>
    public int Line { get; }

    /// <summary>The option the problem is about, or null for tokenizer errors before a name exists.</summary>
    public string? Option { get; }

    /// <summary>The message without the "file:line: option 'x':" prefix.</summary>
    public string Detail { get; }

    internal static string Format(string sourceName, int line, string? option, string detail)
    {
        string where = line > 0 ? $"{sourceName}:{line}" : sourceName;
        return option is null ? $"{where}: {detail}" : $"{where}: option '{option}': {detail}";
    }
}
