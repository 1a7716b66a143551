namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>How a demo step ended.</summary>
public enum DemoStepOutcome
{
    Succeeded,

    /// <summary>Failed, and that is the point (the ping before the tunnel).</summary>
    FailedAsExpected,

    Failed,
}
