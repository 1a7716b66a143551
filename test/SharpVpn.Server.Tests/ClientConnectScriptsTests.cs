using System.Net;
using SharpVpn.Protocol.Control;
using SharpVpn.Runtime.Server;
using SharpVpn.Runtime.Shared;

namespace SharpVpn.Server.Tests;

/// <summary>
/// client-connect / client-disconnect with real /bin/sh scripts (the interop test compares them with the real openvpn
/// server): the directives file, bad output, and the disconnect accounting run that shutdown waits for.
/// </summary>
public sealed class ClientConnectScriptsTests : ScriptDirectory
{
    private ClientConnectScripts Scripts(string? connect, string? disconnect = null) =>
        new(connect is null ? null : [connect], disconnect is null ? null : [disconnect],
            new ScriptRunner(Dir, [], () => new Dictionary<string, string> { ["dev"] = "tun0" }, TimeSpan.FromSeconds(20)));

    private static ScriptClient Client() =>
        new("client1", null, null, null, new IPEndPoint(IPAddress.Parse("172.16.0.8"), 40000), PeerInfo.Empty);

    private static readonly Dictionary<string, string> Addresses = new() { ["ifconfig_pool_remote_ip"] = "10.8.0.2" };

    [Fact]
    public async Task Directives_AreParsedLikeACcdFile()
    {
        ClientConnectVerdict v = await Scripts(Script("printf 'push \"route 10.9.0.0 255.255.0.0\"\\niroute 192.168.50.0 255.255.255.0\\nifconfig-push 10.8.0.77 255.255.255.0\\n' > \"$1\""))
            .ConnectAsync(Client(), Addresses);
        Assert.True(v.IsAccepted, v.Problem);
        Assert.Equal(["route 10.9.0.0 255.255.0.0"], v.Directives!.Pushes);
        Assert.Equal(IPAddress.Parse("10.8.0.77"), v.Directives.IfconfigPush!.Local);
        Assert.Single(v.Directives.IRoutes);
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*")); // the directives file is removed
    }

    [Fact]
    public async Task Disable_EmptyOutput_BadOutput_AndExitCode()
    {
        Assert.True((await Scripts(Script("echo disable > \"$1\"")).ConnectAsync(Client(), Addresses)).Directives!.Disable);

        ClientConnectVerdict empty = await Scripts(Script("exit 0")).ConnectAsync(Client(), Addresses);
        Assert.True(empty.IsAccepted);
        Assert.Null(empty.Directives);

        ClientConnectVerdict bad = await Scripts(Script("echo 'ifconfig-push 10.8.0.300 255.255.255.0' > \"$1\"")).ConnectAsync(Client(), Addresses);
        Assert.False(bad.IsAccepted);
        Assert.Contains("client-connect wrote a bad directive", bad.Problem, StringComparison.Ordinal);
        Assert.Contains("ifconfig-push", bad.Problem, StringComparison.Ordinal);

        ClientConnectVerdict refused = await Scripts(Script("exit 3")).ConnectAsync(Client(), Addresses);
        Assert.Equal("client-connect exited with code 3", refused.Problem);
    }

    [Fact]
    public async Task Deferred_DecisionAndDirectivesComeLater_RefusalAndUnknownResult()
    {
        const string Later = "echo 2 > \"$client_connect_deferred_file\"; (sleep 0.5; echo 'push \"route 10.9.0.0 255.255.0.0\"' > \"$client_connect_config_file\"; echo {0} > \"$client_connect_deferred_file\") > /dev/null 2>&1 &";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        ClientConnectVerdict accepted = await Scripts(Script(Later.Replace("{0}", "1", StringComparison.Ordinal))).ConnectAsync(Client(), Addresses);
        Assert.True(accepted.IsAccepted, accepted.Problem);
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.5), "the decision was not awaited");
        Assert.Equal(["route 10.9.0.0 255.255.0.0"], accepted.Directives!.Pushes); // written while deferred

        ClientConnectVerdict refused = await Scripts(Script(Later.Replace("{0}", "0", StringComparison.Ordinal))).ConnectAsync(Client(), Addresses);
        Assert.Equal("client-connect (deferred) refused the client", refused.Problem);
        ClientConnectVerdict odd = await Scripts(Script(Later.Replace("{0}", "x", StringComparison.Ordinal))).ConnectAsync(Client(), Addresses);
        Assert.Equal("client-connect (deferred) wrote an unknown result", odd.Problem);
        await Task.Delay(200);
        Assert.Empty(Directory.GetFiles(Dir, "openvpn_*")); // both files are removed
    }

    [Fact]
    public void Disconnect_RunsWithItsVariables_AndShutdownCanWaitForIt()
    {
        string record = Path.Combine(Dir, "record");
        ClientConnectScripts scripts = Scripts(null, Script($"sleep 0.3; echo \"$script_type $common_name $bytes_received $dev\" > {record}"));
        var log = new List<string>();
        scripts.StartDisconnect(Client(), new Dictionary<string, string> { ["bytes_received"] = "1234" }, log.Add);
        Assert.True(scripts.WaitForDisconnects(TimeSpan.FromSeconds(10)));
        Assert.Equal("client-disconnect client1 1234 tun0", File.ReadAllText(record).Trim());
        Assert.Empty(log);
    }
}
