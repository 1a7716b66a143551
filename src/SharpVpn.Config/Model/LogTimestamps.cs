namespace SharpVpn.Config;

/// <summary>How each log line starts, as in OpenVPN (error.c): <c>suppress-timestamps</c>, <c>machine-readable-output</c>.</summary>
public enum LogTimestamps
{
    /// <summary>"2026-11-27 12:00:00 message": local time to the second (the default).</summary>
    LocalTime,

    /// <summary><c>suppress-timestamps</c>: the message alone (for journald and syslog, which stamp lines themselves).</summary>
    None,

    /// <summary>
    /// <c>machine-readable-output</c>: "1795969921.197120 1 message": Unix time with microseconds, then the message's
    /// level in hex (OpenVPN prints its message flags there, whose low bits are the level). Takes precedence over
    /// <c>suppress-timestamps</c>, as in OpenVPN.
    /// </summary>
    MachineReadable,
}
