namespace SharpVpn.Runtime.Setup;

/// <summary>Whether quickstart made a piece or found it in place.</summary>
public enum SetupAction
{
    Created,
    Kept,
    Note,
}

/// <summary>One line of quickstart's report: what, where, created or kept.</summary>
public sealed record SetupStep(SetupAction Action, string What, string? Path = null);

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
