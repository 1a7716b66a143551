namespace SharpVpn.Protocol.Keys;

/// <summary>
/// The tls-auth key direction (openvpn-protocol.md §4.2; crypto.c key_direction_state_init).
/// Server customarily uses <see cref="Normal"/> (0), client <see cref="Inverse"/> (1); or both <see cref="Bidirectional"/>.
/// </summary>
public enum KeyDirection : sbyte
{
    /// <summary>No direction: both ways use keys[0] (bytes 0..127).</summary>
    Bidirectional = -1,

    /// <summary>"0": send with keys[0], receive with keys[1].</summary>
    Normal = 0,

    /// <summary>"1": send with keys[1], receive with keys[0].</summary>
    Inverse = 1,
}
