namespace SharpVpn.DataChannel;

/// <summary>Data-channel cipher family; decides the packet format (§9.2 AEAD vs §9.3 CBC+HMAC).</summary>
public enum DataCipherKind
{
    AesGcm,
    ChaCha20Poly1305,
    AesCbc,
}
