using System.Globalization;
using SharpVpn.Runtime.Shared;
using SharpVpn.Tls;

namespace SharpVpn.Runtime.Server;

/// <summary>
/// The one place a client's name is decided (OpenVPN's tls_common_name): from its certificate by x509-username-field
/// (default the CN) when it is authorized, then, with username-as-common-name, the username auth-user-pass-verify
/// accepted. Everything that names a client (client-config-dir, duplicate-cn, the pool, scripts, status, management,
/// logs) reads <see cref="ServerClient.CommonName"/> after that.
/// </summary>
public sealed partial class ServerEngine
{
    /// <summary>The client's name from its certificate (ssl_verify.c verify_cert), or null with OpenVPN's VERIFY ERROR line.</summary>
    private string? CertificateNameOf(ServerClient client, out string? problem)
    {
        if (client.Session.PeerCertificate is not { } certificate)
        {
            problem = "the client sent no certificate";
            return null;
        }

        return PeerName.Extract(certificate, _factory.TlsOptions.PeerNameFields, out problem);
    }

    /// <summary>
    /// After auth-user-pass-verify (or an auth token) accepted <paramref name="username"/>: with username-as-common-name
    /// it becomes the client's name, remapped as OpenVPN does (ssl_verify.c verify_user_pass, set_common_name). False
    /// (and the client refused) for a username longer than a common name may be.
    /// </summary>
    private bool NameByUsername(ServerClient client, string username, long now)
    {
        if (!_config.UsernameAsCommonName)
        {
            return true;
        }

        string name = OpenVpnStringMod.ReplaceControls(username); // string_mod_remap_name
        if (name.Length > PeerName.MaxFieldLength)
        {
            LogInfo($"{client.LogPrefix} TLS Auth Error: --username-as-common name specified and username is longer than the maximum permitted Common Name length of {PeerName.MaxFieldLength.ToString(CultureInfo.InvariantCulture)} characters");
            client.Session.RejectPeer(null, now);
            return false;
        }

        client.CommonName = name;
        return true;
    }

    /// <summary>" [CN SET]" after the login line when the username became the name, as OpenVPN logs it.</summary>
    private string CnSetSuffix => _config.UsernameAsCommonName ? " [CN SET]" : string.Empty;

    /// <summary>What scripts see as common_name during auth-user-pass-verify: the certificate's name (set before the check).</summary>
    private ScriptClient UserPassScriptClientOf(ServerClient client) => ScriptClientOf(client) with { CommonName = client.CertificateName ?? string.Empty };
}
