namespace SharpVpn.Config;

/// <summary>Which kind of config an option belongs to; using it in the other kind gives a warning, not an error.</summary>
internal enum OptionScope
{
    Both,
    Client,
    Server,
}

/// <summary>How SharpVPN treats a known option.</summary>
internal enum OptionSupport
{
    /// <summary>Parsed into the typed config.</summary>
    Supported,

    /// <summary>Known, not supported, harmless to skip: a warning naming file, line and option.</summary>
    UnsupportedWarning,

    /// <summary>Known, not supported, and skipping it would change security or behaviour: an error.</summary>
    UnsupportedError,
}

/// <summary>
/// One option, declared once: name, argument count (after the name), where it applies, whether it
/// may be an inline block, how it is applied, and a one-line help text.
/// </summary>
internal sealed record OptionDefinition(
    string Name,
    int MinArgs,
    int MaxArgs,
    Action<ParseState, ConfigLine> Apply,
    string Help,
    OptionScope Scope = OptionScope.Both,
    bool AllowsInline = false,
    OptionSupport Support = OptionSupport.Supported);
