namespace SharpVpn.Config;

/// <summary>Transport of the tunnel. <c>tcp</c>, <c>tcp-client</c> and <c>tcp-server</c> are all <see cref="Tcp"/>; the role follows from client/server.</summary>
public enum TransportProtocol
{
    Udp,
    Tcp,
}

/// <summary>The 4/6 suffix of <c>proto udp4|udp6|tcp4|tcp6</c>.</summary>
public enum AddressFamilyPreference
{
    Any,
    IPv4,
    IPv6,
}

/// <summary><c>topology</c>; net30 is the default for tun in OpenVPN up to 2.6 (openvpn-protocol.md §13).</summary>
public enum Topology
{
    Net30,
    P2p,
    Subnet,
}

/// <summary>
/// Data-channel compression framing (openvpn-protocol.md §9.7). SharpVPN never compresses what it
/// sends (VORACLE); the mode says how packets are framed and which incoming frames are accepted.
/// </summary>
public enum CompressionMode
{
    /// <summary>No compression option: no framing byte at all.</summary>
    None,

    /// <summary><c>comp-lzo</c>, <c>comp-lzo yes|adaptive</c>, <c>compress lzo</c>: send 0xFA + packet, accept 0xFA and 0x66 (LZO1X).</summary>
    Lzo,

    /// <summary><c>comp-lzo no</c>: send 0xFA + packet, accept 0xFA only.</summary>
    LzoNo,

    /// <summary><c>compress</c>, <c>compress stub</c>: swap mode, first byte moved to the end and replaced by 0xFB.</summary>
    Stub,

    /// <summary><c>compress stub-v2</c>: unframed unless the first byte is 0x50.</summary>
    StubV2,

    /// <summary><c>compress lz4</c>: swap mode, accept 0xFB and 0x69 (LZ4).</summary>
    Lz4,

    /// <summary><c>compress lz4-v2</c>: v2 framing, accept 0x50 0x01 (LZ4) and 0x50 0x00.</summary>
    Lz4V2,

    /// <summary><c>compress migrate</c> (server): push <c>compress stub-v2</c> or <c>comp-lzo no</c> to clients that announce comp-lzo.</summary>
    Migrate,
}

/// <summary><c>allow-compression no|asym|yes</c>; 2.6 default is asym (decompress only).</summary>
public enum AllowCompression
{
    No,
    Asym,
    Yes,
}

/// <summary><c>remote-cert-tls server|client</c>: the EKU the peer certificate must carry.</summary>
public enum CertificateRole
{
    Server,
    Client,
}

/// <summary>Type argument of <c>verify-x509-name name [subject|name|name-prefix]</c> (default subject).</summary>
public enum X509NameType
{
    Subject,
    Name,
    NamePrefix,
}

/// <summary><c>verify-client-cert none|optional|require</c> (default require).</summary>
public enum VerifyClientCert
{
    None,
    Optional,
    Require,
}

/// <summary><c>pull-filter accept|ignore|reject TEXT</c>.</summary>
public enum PullFilterAction
{
    Accept,
    Ignore,
    Reject,
}

/// <summary><c>auth-retry none|nointeract|interact</c>.</summary>
public enum AuthRetry
{
    None,
    NoInteract,
    Interact,
}

/// <summary>Our own <c>firewall open|off</c>.</summary>
public enum FirewallMode
{
    Off,
    Open,
}
