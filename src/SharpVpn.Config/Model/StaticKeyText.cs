namespace SharpVpn.Config;

/// <summary>
/// A static key file's text ("-----BEGIN OpenVPN Static key V1-----" for tls-auth/tls-crypt,
/// "-----BEGIN OpenVPN tls-crypt-v2 client|server key-----" for tls-crypt-v2), from a file or an
/// inline block. <see cref="Direction"/> is the tls-auth key direction: 0, 1 or null (bidirectional).
/// </summary>
public sealed record StaticKeyText(string Text, string Source, int? Direction = null);
