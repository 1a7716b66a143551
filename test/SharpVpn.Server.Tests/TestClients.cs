using System.Net;
using SharpVpn.DataChannel;
using SharpVpn.Platform.Transport;
using SharpVpn.Protocol.Session;
using SharpVpn.Protocol.TlsWrap;
using SharpVpn.Runtime.DataPath;
using SharpVpn.Runtime.Server;

namespace SharpVpn.Server.Tests;

/// <summary>A server-side client record with a real (idle) session, for tests of the server's tables and per-client state.</summary>
internal static class TestClients
{
    public static ServerClient Create(int peerId, string ip, int port)
    {
        var options = new TunnelSessionOptions
        {
            IsServer = true,
            TlsEngineFactory = () => throw new NotSupportedException(),
            Wrap = new NoControlWrap(),
            OptionsString = "V4,dev-type tun",
        };
        TunnelSession session = TunnelSession.CreateServer(options, 0);
        var endpoint = new IPEndPoint(IPAddress.Parse(ip), port);
        return new ServerClient(peerId + 1, peerId, session, new DataChannelPipe(session, CompressionFramingMode.None),
            new ClientAddress(PeerEndpoint.From(endpoint), endpoint.Serialize()), null, null);
    }
}
