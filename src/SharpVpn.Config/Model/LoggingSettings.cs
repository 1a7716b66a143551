namespace SharpVpn.Config;

/// <summary><c>verb</c>, <c>mute</c>, <c>log</c>/<c>log-append</c>, the line stamps, <c>status</c>, <c>status-version</c>, <c>writepid</c>, <c>management</c>.</summary>
public sealed record LoggingSettings
{
    public int Verb { get; init; } = 1;

    public int Mute { get; init; }

    /// <summary>Absolute path of the log file, or null (stdout).</summary>
    public string? LogFile { get; init; }

    /// <summary>True for <c>log-append</c>, false for <c>log</c> (truncate).</summary>
    public bool LogAppend { get; init; }

    /// <summary>How lines start: <c>suppress-timestamps</c>, <c>machine-readable-output</c>, or the local time.</summary>
    public LogTimestamps Timestamps { get; init; }

    /// <summary>Absolute path of <c>status FILE</c>, or null.</summary>
    public string? StatusFile { get; init; }

    public int StatusIntervalSeconds { get; init; } = 60;

    /// <summary>1 (default), 2 or 3.</summary>
    public int StatusVersion { get; init; } = 1;

    public string? WritePidFile { get; init; }

    public ManagementSettings? Management { get; init; }
}
