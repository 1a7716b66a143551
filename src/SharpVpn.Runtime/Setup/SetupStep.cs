namespace SharpVpn.Runtime.Setup;

/// <summary>One line of quickstart's report: what, where, created or kept.</summary>
public sealed record SetupStep(SetupAction Action, string What, string? Path = null);
