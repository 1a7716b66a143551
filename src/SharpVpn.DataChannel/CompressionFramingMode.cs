namespace SharpVpn.DataChannel;

/// <summary>
/// Which compression framing the peers agreed on (openvpn-protocol.md §9.7; openvpn
/// options.c "comp-lzo"/"compress", comp.h, lzo.c, compstub.c, comp-lz4.c). We never compress
/// (OpenVPN 2.6 default <c>allow-compression asym</c>) but accept what each mode allows.
/// </summary>
public enum CompressionFramingMode
{
    /// <summary>No compression option: no framing at all.</summary>
    None,

    /// <summary><c>comp-lzo</c> [yes|adaptive], <c>compress lzo</c>: send 0xFA+packet; accept 0xFA and 0x66 (LZO1X).</summary>
    Lzo,

    /// <summary><c>comp-lzo no</c> (COMP_ALG_STUB without swap): send 0xFA+packet; accept 0xFA only.</summary>
    LzoStub,

    /// <summary><c>compress</c> / <c>compress stub</c>: swap mode, first byte moved to the end and replaced by 0xFB; accept 0xFB only.</summary>
    Stub,

    /// <summary><c>compress lz4</c>: swap mode; send 0xFB; accept 0xFB and 0x69 (LZ4 block).</summary>
    Lz4,

    /// <summary><c>compress stub-v2</c>: unprefixed, a leading 0x50 escaped as 0x50 0x00; accept unprefixed and 0x50 0x00.</summary>
    StubV2,

    /// <summary><c>compress lz4-v2</c>: like StubV2, plus accept 0x50 0x01 (LZ4 block).</summary>
    Lz4V2,
}
