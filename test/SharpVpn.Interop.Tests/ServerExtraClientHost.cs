using SharpVpn.Interop.Tests.Lab;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// One more client host for multi-client server tests: its own namespace (lab prefix + "-cN") with a veth straight to
/// the server namespace on 172.16.10N.0/24 (client .2, server .1), so several real clients each have their own TUN and
/// routes and can ping each other through the VPN. Dispose deletes the namespace (the server end goes with it).
/// </summary>
internal sealed class ServerExtraClientHost : IAsyncDisposable
{
    private ServerExtraClientHost(ScenarioLab lab, LabHost host, string serverAddress)
    {
        Lab = lab;
        Host = host;
        ServerAddress = serverAddress;
    }

    public ScenarioLab Lab { get; }

    public LabHost Host { get; }

    /// <summary>The server's address on this host's link (the client's 'remote').</summary>
    public string ServerAddress { get; }

    public static async Task<ServerExtraClientHost> CreateAsync(ScenarioLab lab, int index)
    {
        string ns = $"{lab.Prefix}-c{index}";
        string clientIf = $"{lab.Prefix}e{index}";
        string serverIf = $"{lab.Prefix}f{index}";
        string net = $"172.16.{100 + index}";
        var host = new LabHost($"client{index}", ns, [new LabInterface(clientIf, $"{net}.2", 24)]);
        var extra = new ServerExtraClientHost(lab, host, $"{net}.1");
        await Ip("netns", "add", ns);
        try
        {
            await Ip("-n", ns, "link", "set", "lo", "up");
            await Ip("link", "add", clientIf, "netns", ns, "type", "veth", "peer", "name", serverIf, "netns", lab.Server.Namespace);
            await Ip("-n", ns, "addr", "add", $"{net}.2/24", "dev", clientIf);
            await Ip("-n", ns, "link", "set", clientIf, "up");
            await Ip("-n", lab.Server.Namespace, "addr", "add", $"{net}.1/24", "dev", serverIf);
            await Ip("-n", lab.Server.Namespace, "link", "set", serverIf, "up");
            return extra;
        }
        catch
        {
            await extra.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync() =>
        await ProcessRunner.RunAsync("ip", ["netns", "del", Host.Namespace], TimeSpan.FromSeconds(30), CancellationToken.None);

    private static async Task Ip(params string[] args) =>
        (await ProcessRunner.RunAsync("ip", args, TimeSpan.FromSeconds(30), CancellationToken.None)).EnsureSuccess();
}
