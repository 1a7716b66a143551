namespace SharpVpn.Runtime.Setup.Demo;

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
