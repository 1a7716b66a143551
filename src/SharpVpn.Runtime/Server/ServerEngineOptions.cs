namespace SharpVpn.Runtime.Server;

/// <summary>How <see cref="ServerEngine"/> runs (tests turn signal handling off).</summary>
public sealed record ServerEngineOptions
{
    /// <summary>Register SIGINT/SIGTERM (shutdown) and SIGHUP (reload CRL/ccd) handlers.</summary>
    public bool HandleSignals { get; init; } = true;
}
