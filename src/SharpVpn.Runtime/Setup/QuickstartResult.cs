namespace SharpVpn.Runtime.Setup;

/// <summary>What quickstart did and what the summary prints.</summary>
public sealed record QuickstartResult
{
    public required DataDirectory Directory { get; init; }

    public required IReadOnlyList<SetupStep> Steps { get; init; }

    /// <summary>The address and port clients connect to (from server.conf).</summary>
    public required string Endpoint { get; init; }

    public required string Protocol { get; init; }

    public required IReadOnlyList<string> ProfilePaths { get; init; }

    public required IReadOnlyList<string> PushedRoutes { get; init; }

    /// <summary>True when this run changed nothing on disk.</summary>
    public bool NothingChanged => Steps.All(s => s.Action != SetupAction.Created);
}
