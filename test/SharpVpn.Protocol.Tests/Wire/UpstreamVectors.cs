using SharpVpn.Protocol.Keys;

namespace SharpVpn.Protocol.Tests.Wire;

/// <summary>
/// Packets from OpenVPN's own unit tests, tests/unit_tests/openvpn/test_pkt.c (openvpn-protocol.md §14.1);
/// see test/vectors/README.md.
/// </summary>
internal static class UpstreamVectors
{
    public const string StaticKeyText = """
        -----BEGIN OpenVPN Static key V1-----
        37268ea8f95d7f71f9fb8fc03770c460
        daf714a483d815c013ce0a537efc18f2
        8f4f172669d9e6a413bac6741d8ea054
        00f49b7fd6326470f23798c606bf53d4
        de63ebc64ec59d57ce5d04d5b62e68b5
        3ca6e5354351097fa370446c4d269f18
        7bb6ae54af2dc70ff7317fe2f8754b82
        82aad4202f9fa42c8640245d883e2c54
        a0c1c489a036cf3a8964d8d289c1583b
        9447c262b1da5fd167a5d27bd5ac5143
        17bc2343a31a2efc38dd920d910375f5
        1c2e27f3afd36c49269da079f7ce466e
        bb0f9ad13e9bbb4665974e6bc24b513c
        5700393bf4a3e7f967e2f384069ac8a8
        e78b18b15604993fd16515cce9c0f3e4
        2b4126b999005ade802797b0eeb8b9e6
        -----END OpenVPN Static key V1-----
        """;

    public static StaticKey Key => StaticKey.Parse(StaticKeyText, "test_pkt.c static_key");

    public static readonly byte[] ClientResetV2None = Hex.Parse("38 6891923fa3103437 00 00000000");

    public static readonly byte[] ClientResetV2TlsAuth = Hex.Parse(
        "38 de694c5c7bfba274 93537c1ded4e781529ae7cfe4b8c6d6b2b51f05a 00000001 61d3bf6c 00 00000000");

    public static readonly byte[] ClientResetV2TlsCrypt = Hex.Parse(
        "38 f419cb12d1f9e48f 00000001 61d3f8e1 330206f56802be44fbed905064e3db43416bec5e526719462b7eb90c96defc9b 05c44879f7");

    public static readonly byte[] ClientAckTlsAuthRandomId = Hex.Parse("""
        20 14 01 4e bc 80 c6 14 2b 7b c8 76 fb c5 2e 27
        b1 c5 07 35 5b b6 00 6b ae 71 ba 4e 38 00 00 00
        03 61 d3 ff 53 00 00 00 00 01 16 03 01 01 0c 01
        00 01 08 03 03 8c aa ac 3a 1a 07 bd e7 b7 50 06
        9b 94 0c 34 4b 5a 35 ca c4 79 bd c9 09 b0 7b d9
        ee bb 7d e7 25 20 39 38 e2 18 33 36 14 9f 34 f0
        44 59 96 8d 0e d2 47 76 64 88 59 e9 38 03 97 96
        98 45 fb f5 ff 23 00 32 13 02 13 03 13 01 c0 2c
        c0 30 00 9f cc a9 cc a8 cc aa c0 2b c0 2f 00 9e
        c0 24 c0 28 00 6b c0 23 c0 27 00 67 c0 0a c0 14
        00 39 c0 09 c0 13 00 33 00 ff 01 00 00 8d 00 0b
        00 04 03 00 01 02 00 0a 00 0c 00 0a 00 1d 00 17
        00 1e 00 19 00 18 00 16 00 00 00 17 00 00 00 0d
        00 30 00 2e 04 03 05 03 06 03 08 07 08 08 08 09
        08 0a 08 0b 08 04 08 05 08 06 04 01 05 01 06 01
        03 03 02 03 03 01 02 01 03 02 02 02 04 02 05 02
        06 02 00 2b 00 05 04 03 04 03 03 00 2d 00 02 01
        01 00 33 00 26 00 24 00 1d 00 20 0e c9 7a ff 58
        db 56 f6 40 d1 ed db 91 81 d6 ef 83 86 8a b2 3d
        88 92 3f d8 51 9c d6 26 56 33 6b
        """);

    public static readonly byte[] ClientControlWithAck = Hex.Parse("20 7819bf2ebcd19a45 01 00000000 eafebfa4418ae31b 00000001 160301");

    public static readonly byte[] ClientAckNoneRandomId = Hex.Parse("28 aeb9afe1f01d79c8 01 00000000 dd85db535623b02e");

    public static readonly byte[] ClientAck123NoneRandomId = Hex.Parse(
        "28 aeb9afe1f01d79c8 03 00000000 00000001 00000002 dd85db535623b02e");

    /// <summary>Truncated message id (one byte): must not parse.</summary>
    public static readonly byte[] ClientControlNoneRandomId = Hex.Parse("20 aeb9afe1f01d79c8 01 00000000 02");
}
