using SharpVpn.Config;
using SharpVpn.Platform.Interop;

namespace SharpVpn.Runtime.Client;

/// <summary>
/// The peer-info lines a client adds to its fixed set, as OpenVPN 2.6 does (ssl.c push_peer_info): a pulling client
/// passes the setenv values IV_GUI_VER and IV_SSO; with <c>push-peer-info</c> also IV_SSL, IV_PLAT_VER (the kernel
/// release) and every setenv <c>UV_*</c> variable, which servers show to their scripts and management clients.
/// </summary>
internal static class ClientPeerInfo
{
    public static IEnumerable<KeyValuePair<string, string>> Extra(ClientConfig config)
    {
        if (config.PushPeerInfo)
        {
            if (OpenSslVersion.Text is { } ssl)
            {
                yield return new("IV_SSL", ssl);
            }

            if (KernelRelease() is { } release)
            {
                yield return new("IV_PLAT_VER", release);
            }
        }

        foreach ((string name, string value) in config.Process.SetEnv)
        {
            bool detailed = name.StartsWith("UV_", StringComparison.Ordinal) || name == "IV_PLAT_VER";
            if ((detailed && config.PushPeerInfo) || name is "IV_GUI_VER" or "IV_SSO")
            {
                yield return new(name, value);
            }
        }
    }

    /// <summary>uname's release, as openvpn's IV_PLAT_VER.</summary>
    private static string? KernelRelease()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
