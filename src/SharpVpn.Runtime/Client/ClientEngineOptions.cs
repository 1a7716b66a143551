namespace SharpVpn.Runtime.Client;

/// <summary>Knobs of <see cref="ClientEngine"/> that do not come from the OpenVPN config.</summary>
public sealed record ClientEngineOptions
{
    /// <summary><c>--verb N</c> on the command line: overrides the config's <c>verb</c>.</summary>
    public int? VerbOverride { get; init; }

    /// <summary>Install SIGINT/SIGTERM/SIGHUP handlers (the CLI does; tests driving the engine in-process may not).</summary>
    public bool HandleSignals { get; init; } = true;
}
