namespace SharpVpn.Runtime.Client;

/// <summary>Knobs of <see cref="ClientEngine"/> that do not come from the OpenVPN config.</summary>
public sealed record ClientEngineOptions
{
    /// <summary>Install SIGINT/SIGTERM/SIGHUP handlers (the CLI does; tests driving the engine in-process may not).</summary>
    public bool HandleSignals { get; init; } = true;

    /// <summary>Who answers when the config leaves a user name, password or one-time code to be typed; null = nobody.</summary>
    public IClientPrompt? Prompt { get; init; }

    /// <summary>The first TLS engine, started for this engine's config before the engine was made; null = started in Run.</summary>
    public ClientTlsAhead? TlsAhead { get; init; }
}
