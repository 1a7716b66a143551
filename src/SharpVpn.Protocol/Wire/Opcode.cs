namespace SharpVpn.Protocol.Wire;

/// <summary>
/// The 5-bit opcode in the high bits of every packet's first byte (openvpn-protocol.md §2; ssl_pkt.h P_*).
/// </summary>
public enum Opcode : byte
{
    /// <summary>Key-method 1 client reset; rejected by 2.5+.</summary>
    ControlHardResetClientV1 = 1,

    /// <summary>Key-method 1 server reset; rejected by 2.5+.</summary>
    ControlHardResetServerV1 = 2,

    /// <summary>Starts a renegotiation; carries the new key_id.</summary>
    ControlSoftResetV1 = 3,

    /// <summary>Reliable packet carrying a slice of the TLS byte stream.</summary>
    ControlV1 = 4,

    /// <summary>Acknowledgements only; no message packet-id.</summary>
    AckV1 = 5,

    /// <summary>Data packet with a 1-byte header.</summary>
    DataV1 = 6,

    /// <summary>Client's first packet of a session.</summary>
    ControlHardResetClientV2 = 7,

    /// <summary>Server's reply to a client reset.</summary>
    ControlHardResetServerV2 = 8,

    /// <summary>Data packet with a 24-bit peer-id.</summary>
    DataV2 = 9,

    /// <summary>Client's first packet with tls-crypt-v2; the wrapped client key is appended.</summary>
    ControlHardResetClientV3 = 10,

    /// <summary>A P_CONTROL_V1 with the tls-crypt-v2 wrapped client key appended.</summary>
    ControlWkcV1 = 11,
}
