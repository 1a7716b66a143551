namespace SharpVpn.Runtime.Setup;

/// <summary>What <c>profile revoke</c> did.</summary>
public sealed record RevokeOutcome(string Name, IReadOnlyList<string> DeletedFiles, string ServerNotice);
