namespace SharpVpn.Config;

/// <summary>
/// One directive as OpenVPN's tokenizer produces it: the option name (leading "--" removed) and
/// its arguments. For an inline block (<c>&lt;ca&gt;...&lt;/ca&gt;</c>) <see cref="IsInline"/> is
/// true and the single argument is the block's content, exactly the lines between the tags.
/// </summary>
public sealed record ConfigLine(string SourceName, int LineNumber, string Name, IReadOnlyList<string> Args, bool IsInline = false)
{
    public int ArgCount => Args.Count;

    public string Arg(int index) => Args[index];

    public string? OptionalArg(int index) => index < Args.Count ? Args[index] : null;

    public ConfigException Error(string detail) => new(SourceName, LineNumber, Name, detail);

    public string Warning(string detail) => ConfigException.Format(SourceName, LineNumber, Name, detail);
}
