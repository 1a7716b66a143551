namespace SharpVpn.Interop.Tests.Lab;

/// <summary>How the control channel is wrapped: nothing, tls-auth (HMAC) or tls-crypt.</summary>
public enum TlsWrapMode
{
    None,
    TlsAuth,
    TlsCrypt,
}

/// <summary>
/// The knobs the interop tests vary in the scenario's openvpn configs. <see cref="Tutorial"/> is
/// the 2.4-era config of scenario.md; <see cref="Modern"/> is what new deployments get.
/// </summary>
public sealed record OpenVpnVariant
{
    /// <summary>"udp" or "tcp".</summary>
    public string Proto { get; init; } = "udp";

    public int Port { get; init; } = 1194;

    public TlsWrapMode TlsWrap { get; init; } = TlsWrapMode.TlsAuth;

    /// <summary>The <c>cipher</c> line (2.4's only data cipher; 2.6's fallback).</summary>
    public string Cipher { get; init; } = "AES-256-CBC";

    /// <summary>The <c>data-ciphers</c> line, or null to omit it.</summary>
    public string? DataCiphers { get; init; } = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305:AES-256-CBC";

    /// <summary>The <c>auth</c> digest line, or null for openvpn's default (SHA1).</summary>
    public string? Auth { get; init; }

    /// <summary>Emit <c>comp-lzo</c> (plus <c>allow-compression yes</c>, which 2.6 needs to accept it).</summary>
    public bool CompLzo { get; init; } = true;

    /// <summary>"net30" (2.4's default, the client gets 10.0.1.6) or "subnet".</summary>
    public string Topology { get; init; } = "net30";

    /// <summary>Use the ffdhe2048 <c>dh</c> file; false writes <c>dh none</c> (ECDHE only).</summary>
    public bool UseDh { get; init; } = true;

    /// <summary>Server drops to <c>user nobody</c>/<c>group nogroup</c> (Debian has no group "nobody").</summary>
    public bool DropPrivileges { get; init; }

    public int Verb { get; init; } = 3;

    /// <summary>Lines appended verbatim to server.conf.</summary>
    public IReadOnlyList<string> ServerExtra { get; init; } = [];

    /// <summary>Lines appended verbatim to client.conf.</summary>
    public IReadOnlyList<string> ClientExtra { get; init; } = [];

    /// <summary>scenario.md's config: UDP 1194, tls-auth, AES-256-CBC, comp-lzo, net30, DH file.</summary>
    public static OpenVpnVariant Tutorial => new();

    /// <summary>New-deployment defaults: tls-crypt, AES-256-GCM/CHACHA20-POLY1305, topology subnet, no compression, ECDHE.</summary>
    public static OpenVpnVariant Modern => new()
    {
        TlsWrap = TlsWrapMode.TlsCrypt,
        Cipher = "AES-256-GCM",
        DataCiphers = "AES-256-GCM:CHACHA20-POLY1305",
        CompLzo = false,
        Topology = "subnet",
        UseDh = false,
    };
}
