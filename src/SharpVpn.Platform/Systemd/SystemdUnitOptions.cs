namespace SharpVpn.Platform.Systemd;

/// <summary>What <see cref="SystemdUnit"/> writes for <c>sharpvpn service install</c>.</summary>
public sealed record SystemdUnitOptions
{
    /// <summary>Unit name without ".service" (letters, digits, ':', '-', '_', '.', '@').</summary>
    public required string Name { get; init; }

    /// <summary>Absolute path of the server config; its directory becomes WorkingDirectory (relative paths in it resolve there, as with openvpn).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>The command that runs sharpvpn: the executable, or dotnet plus the dll. Arguments "server --config FILE" are appended.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Extra writable paths (status, log, pool-persist files' directories); missing ones are ignored by systemd ('-' prefix).</summary>
    public IReadOnlyList<string> ReadWritePaths { get; init; } = [];

    public string? Description { get; init; }
}
