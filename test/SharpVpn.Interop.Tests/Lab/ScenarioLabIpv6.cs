namespace SharpVpn.Interop.Tests.Lab;

/// <summary>IPv6 in the scenario lab, for dual-stack tunnels.</summary>
internal static class ScenarioLabIpv6
{
    /// <summary>The intranet host's IPv6 address (on fd00:2::/64).</summary>
    public const string IntranetAddress = "fd00:2::1";

    /// <summary>
    /// An IPv6 prefix on the lab's intranet (fd00:2::/64, host fd00:2::1): the server namespace forwards IPv6 and the
    /// intranet host routes the VPN's IPv6 pool (<paramref name="vpnPrefix"/>) back through it.
    /// </summary>
    public static async Task AddIpv6IntranetAsync(this ScenarioLab lab, string vpnPrefix = "fd00:1::/64")
    {
        (await lab.RunAsync(lab.Server, "sysctl", "-q", "-w", "net.ipv6.conf.all.forwarding=1")).EnsureSuccess();
        (await lab.RunAsync(lab.Server, "ip", "-6", "addr", "add", "fd00:2::254/64", "dev", lab.ServerIntranetInterface, "nodad")).EnsureSuccess();
        (await lab.RunAsync(lab.Intranet, "ip", "-6", "addr", "add", $"{IntranetAddress}/64", "dev", lab.IntranetInterface, "nodad")).EnsureSuccess();
        (await lab.RunAsync(lab.Intranet, "ip", "-6", "route", "add", vpnPrefix, "via", "fd00:2::254")).EnsureSuccess();
        // Neighbour discovery on the fresh veths waits for their link-local addresses' DAD (~1-2 s): done before the
        // tunnel is timed, so the pings through it measure the tunnel, not the lab's set-up.
        Assert.True((await lab.PingAsync(lab.Server, IntranetAddress, count: 1, timeout: TimeSpan.FromSeconds(8))).AllReceived);
    }
}
