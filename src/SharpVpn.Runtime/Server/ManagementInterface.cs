using SharpVpn.Config;
using SharpVpn.Runtime.Logging;

namespace SharpVpn.Runtime.Server;

/// <summary>The OpenVPN management interface (openvpn-protocol.md §16). Placeholder until implemented.</summary>
internal sealed class ManagementInterface : IDisposable
{
    public ManagementInterface(ServerEngine engine, ManagementSettings settings, OpenVpnLog log)
    {
        _ = engine;
        _ = settings;
        _ = log;
    }

    public void Start()
    {
    }

    public void OnStateChange(string state, string description)
    {
    }

    public void OnClientEstablished(ServerClient client)
    {
    }

    public void OnClientDisconnected(ServerClient client, string reason)
    {
    }

    public void Dispose()
    {
    }
}
