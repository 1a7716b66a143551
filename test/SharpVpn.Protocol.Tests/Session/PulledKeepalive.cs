using SharpVpn.Config;
using SharpVpn.Protocol.Session;

namespace SharpVpn.Protocol.Tests.Session;

/// <summary>What the client runtime does with a push's timers on Connected (ClientEngine.ApplyPushedTimers).</summary>
internal static class PulledKeepalive
{
    /// <summary>Gives <paramref name="client"/> the ping and ping-restart in force after <paramref name="pushed"/>.</summary>
    public static KeepaliveSettings Apply(TunnelSession client, KeepaliveSettings config, IReadOnlyList<string> pushed)
    {
        KeepaliveSettings timers = config.WithPulled(PushedOptionParser.Parse("PUSH_REPLY," + string.Join(',', pushed)));
        client.SetKeepalive(timers.PingSeconds * 1000L, timers.PingRestartSeconds * 1000L);
        return timers;
    }
}
