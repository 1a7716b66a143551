namespace SharpVpn.Runtime.Setup.Demo;

/// <summary>Options of <c>sharpvpn demo</c>.</summary>
public sealed record DemoOptions
{
    public DemoClientKind Client { get; init; } = DemoClientKind.SharpVpn;

    /// <summary>How long the server and the client may take to come up.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>A pause after each step, so an audience can follow (<c>--pause</c>); Ctrl-C still stops and cleans up.</summary>
    public TimeSpan StepPause { get; init; } = TimeSpan.Zero;

    /// <summary>The command that runs sharpvpn (default: this process's own executable).</summary>
    public IReadOnlyList<string>? SharpVpnCommand { get; init; }
}
