namespace SharpVpn.Cli;

/// <summary>A mistake in how the command was called (exit code 1), found after parsing.</summary>
public sealed class UsageException(string message) : Exception(message);
