namespace SharpVpn.Config;

/// <summary>
/// <c>pull-filter accept|ignore|reject TEXT</c>: the first filter whose text is a prefix of a pushed
/// option decides (OpenVPN options.c <c>apply_pull_filter</c>); reject aborts the connection attempt.
/// </summary>
public sealed record PullFilter(PullFilterAction Action, string Text);
