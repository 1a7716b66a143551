namespace SharpVpn.DataChannel;

/// <summary>The <c>auth</c> digest used for the CBC-mode HMAC (irrelevant for AEAD ciphers).</summary>
public enum DataAuthDigest
{
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}
