namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>How a demo step ended.</summary>
public enum DemoStepOutcome
{
    Succeeded,

    /// <summary>Failed, and that is the point (the ping before the tunnel).</summary>
    FailedAsExpected,

    Failed,
}

/// <summary>What the demo reports while it runs; the CLI draws it (Spectre.Console), tests record it.</summary>
public interface IDemoObserver
{
    void StepStarted(string title);

    void StepFinished(string title, DemoStepOutcome outcome, string? detail = null);

    /// <summary>A line worth showing under the current step (a connection step, a file quickstart made).</summary>
    void Detail(string line);

    /// <summary>The server's connected clients, shown before the teardown.</summary>
    void ServerStatus(string clientAddress, IReadOnlyList<ConnectedClient> clients);
}

/// <summary>The client the demo connects with.</summary>
public enum DemoClientKind
{
    SharpVpn,
    OpenVpn,
}

public sealed record DemoOptions
{
    public DemoClientKind Client { get; init; } = DemoClientKind.SharpVpn;

    /// <summary>How long the server and the client may take to come up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>The command that runs sharpvpn (default: this process's own executable).</summary>
    public IReadOnlyList<string>? SharpVpnCommand { get; init; }
}

public sealed record DemoResult
{
    public bool PingBeforeFailed { get; init; }

    public bool PingAfterSucceeded { get; init; }

    /// <summary>The client's tunnel address, e.g. 10.8.0.2/24.</summary>
    public string? ClientAddress { get; init; }

    public IReadOnlyList<ConnectedClient> ServerStatus { get; init; } = [];

    public bool Succeeded => PingBeforeFailed && PingAfterSucceeded;
}
