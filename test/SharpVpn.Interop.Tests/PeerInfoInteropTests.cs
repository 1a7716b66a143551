using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// <c>push-peer-info</c> and setenv <c>UV_*</c> / <c>IV_GUI_VER</c>: the real openvpn 2.6 server logs the same peer info
/// from our client as from the real client with the same profile.
/// </summary>
[Trait("Category", "Interop")]
public sealed class PeerInfoInteropTests(ITestOutputHelper output)
{
    private static readonly string[] Compared = ["IV_SSL", "IV_PLAT_VER", "UV_DEPARTMENT", "IV_GUI_VER", "IV_PROTO"];

    [Fact]
    public async Task PushPeerInfo_TheRealServerSeesWhatTheRealClientSends()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartEitherServerAsync(OpenVpnVariant.Modern, real: true);
        OpenVpnConfigFile config = s.WriteClientConfig(OpenVpnVariant.Modern,
            edit: t => t + "push-peer-info\nsetenv UV_DEPARTMENT sales\nsetenv IV_GUI_VER \"SharpTest 1.0\"\n");
        var seen = new Dictionary<bool, Dictionary<string, string>>();
        foreach (bool real in new[] { false, true })
        {
            int from = s.Server!.LineCount;
            LabProcess client = real ? s.StartRealClient(config) : s.StartOurClient(config);
            await client.WaitForOutputAsync("Initialization Sequence Completed", ServerScenario.StartTimeout);
            await s.Server.WaitForOutputAsync("peer info: IV_GUI_VER=", ServerScenario.StartTimeout, from); // the server's log lags
            seen[real] = s.Server.Lines.Skip(from)
                .Select(l => l.IndexOf("peer info: ", StringComparison.Ordinal) is int i and >= 0 ? l[(i + "peer info: ".Length)..] : null)
                .OfType<string>()
                .Select(l => l.Split('=', 2))
                .Where(kv => kv.Length == 2 && Compared.Contains(kv[0]))
                .GroupBy(kv => kv[0])
                .ToDictionary(g => g.Key, g => g.First()[1]);
            output.WriteLine($"{(real ? "openvpn" : "sharpvpn")} client: {string.Join(", ", seen[real].Select(kv => $"{kv.Key}={kv.Value}"))}");
            await client.StopAsync();
        }

        Assert.Equal("sales", seen[false]["UV_DEPARTMENT"]);
        Assert.Equal("SharpTest_1.0", seen[false]["IV_GUI_VER"]); // openvpn's log shows spaces as '_'
        Assert.StartsWith("OpenSSL_3", seen[false]["IV_SSL"], StringComparison.Ordinal);
        foreach (string name in new[] { "IV_SSL", "IV_PLAT_VER", "UV_DEPARTMENT", "IV_GUI_VER" })
        {
            Assert.Equal(seen[true][name], seen[false][name]);
        }
    }
}
