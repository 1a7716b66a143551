namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>What the demo saw: both pings, the client's address, the server's clients.</summary>
public sealed record DemoResult
{
    public bool PingBeforeFailed { get; init; }

    public bool PingAfterSucceeded { get; init; }

    /// <summary>The client's tunnel address, e.g. 10.8.0.2/24.</summary>
    public string? ClientAddress { get; init; }

    public IReadOnlyList<ConnectedClient> ServerStatus { get; init; } = [];

    public bool Succeeded => PingBeforeFailed && PingAfterSucceeded;
}
