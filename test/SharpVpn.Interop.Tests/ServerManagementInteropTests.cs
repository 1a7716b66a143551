using System.Text.RegularExpressions;
using SharpVpn.Interop.Tests.Lab;
using Xunit.Abstractions;

namespace SharpVpn.Interop.Tests;

/// <summary>
/// OUR server (<c>sharpvpn server</c>) with REAL openvpn 2.6 clients: the management interface and the status
/// file, in the shapes the real openvpn server gives them.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ServerManagementInteropTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = ServerScenario.StartTimeout;

    [Fact]
    public async Task ManagementOverTcpLoopback_AnswersStatusAndVersion()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = ["management 127.0.0.1 7505"] });
        await s.ConnectRealClientAsync();
        string script = Path.Combine(s.Lab.WorkDir, "mgmt.py");
        File.WriteAllText(script, """
            import socket, sys, time
            s = socket.create_connection(("127.0.0.1", 7505), timeout=10)
            s.sendall(b"version\r\nstatus 2\r\nstate\r\nbytecount 1\r\n")
            time.sleep(2.5)
            s.sendall(b"quit\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
            open(sys.argv[1], "wb").write(data)
            """);
        string transcriptPath = Path.Combine(s.Lab.WorkDir, "mgmt.out");
        (await s.Lab.RunAsync(s.Lab.Server, "python3", script, transcriptPath)).EnsureSuccess();
        string transcript = File.ReadAllText(transcriptPath);
        output.WriteLine(transcript);
        Assert.StartsWith(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n", transcript, StringComparison.Ordinal);
        Assert.Contains("Management Version: 5\r\nEND\r\n", transcript, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\r\nCLIENT_LIST,client,172\.16\.0\.8:\d+,10\.0\.1\.2,"), transcript);
        Assert.Matches(new Regex(@"\r\n\d+,CONNECTED,SUCCESS,,,,,\r\nEND\r\n"), transcript);
        Assert.Matches(new Regex(@">BYTECOUNT_CLI:\d+,\d+,\d+\r\n"), transcript);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public async Task Case6_StatusFileHasTheSameShapeAsRealOpenVpns(int version, bool dualStack)
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        OpenVpnVariant v = OpenVpnVariant.Modern with
        {
            ServerExtra = dualStack ? [$"status-version {version}", "server-ipv6 fd00:1::/64"] : [$"status-version {version}"],
        };
        var shapes = new List<string[]>();
        foreach (bool ours in new[] { true, false })
        {
            if (ours)
            {
                await s.StartServerAsync(v);
            }
            else
            {
                s.UseRealOpenVpnServer(v);
                await s.RestartServerAsync(real: true);
            }

            LabProcess client = await s.ConnectRealClientAsync();
            string path = s.ServerConfig!.StatusPath;
            // Listed with its routes (IPv4, and IPv6 when dual-stack): both servers learn them before the next rewrite.
            string text = await StatusFileReads.WaitForAsync(path, t => t.Contains("client", StringComparison.Ordinal)
                && t.Contains("10.0.1.2", StringComparison.Ordinal) && (!dualStack || t.Contains("fd00:1::1000", StringComparison.Ordinal)));
            output.WriteLine($"--- {(ours ? "sharpvpn" : "openvpn")} status-version {version} ---\n{text}");
            shapes.Add(RoutingRowsSorted(text.Split('\n').Select(Shape).ToArray()));
            await client.StopAsync();
            await s.Server!.StopAsync();
        }

        Assert.Equal(shapes[1], shapes[0]);

        // OpenVPN lists its routing table in the order of a hash table with a random seed (multi.c vhash), so with
        // an IPv4 and an IPv6 route per client the rows' order varies from run to run: they are compared as a set.
        static string[] RoutingRowsSorted(string[] lines)
        {
            int header = Array.FindIndex(lines, l => l.StartsWith("ROUTING TABLE", StringComparison.Ordinal) || l.Contains("ROUTING_TABLE", StringComparison.Ordinal));
            int first = header + (lines[header].StartsWith("ROUTING TABLE", StringComparison.Ordinal) ? 2 : 1);
            int end = Array.FindIndex(lines, first, l => l.StartsWith("GLOBAL", StringComparison.Ordinal));
            Array.Sort(lines, first, end - first, StringComparer.Ordinal);
            return lines;
        }

        // Field count plus every field that is not a value (record types, headers); values become their kind.
        static string Shape(string line)
        {
            char sep = line.Contains('\t') ? '\t' : ',';
            string[] fields = line.Split(sep);
            if (fields[0] is "TITLE")
            {
                return "TITLE";
            }

            return string.Join(sep, fields.Select(f =>
                Regex.IsMatch(f, @"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$") ? "<time>"
                : Regex.IsMatch(f, @"^\d+\.\d+\.\d+\.\d+:\d+$") ? "<ip:port>"
                : Regex.IsMatch(f, @"^\d+$") ? "<n>"
                : f));
        }
    }

    [Fact]
    public async Task Case6_ManagementStatusAndKill_StatusFileListsClient()
    {
        await using ServerScenario s = await ServerScenario.CreateAsync(output);
        string socket = Path.Combine(s.Lab.WorkDir, "mgmt.sock");
        string passwordFile = Path.Combine(s.Lab.WorkDir, "mgmt.pw");
        File.WriteAllText(passwordFile, "s3cret\n");
        await s.StartServerAsync(OpenVpnVariant.Modern with { ServerExtra = [$"management {socket} unix {passwordFile}"] });
        LabProcess real = await s.ConnectRealClientAsync();
        await s.AssertIntranetReachableAsync();

        // The status file (status FILE 1, version 1) lists the client as OpenVPN writes it.
        string statusPath = s.ServerConfig!.StatusPath;
        string status = await StatusFileReads.WaitForAsync(statusPath, text => text.Contains("\nclient,172.16.0.8:", StringComparison.Ordinal));
        Assert.StartsWith("OpenVPN CLIENT LIST\nUpdated,", status, StringComparison.Ordinal);
        Assert.Contains("Common Name,Real Address,Bytes Received,Bytes Sent,Connected Since\n", status, StringComparison.Ordinal);
        Assert.Matches(new Regex(@"\nROUTING TABLE\nVirtual Address,Common Name,Real Address,Last Ref\n10\.0\.1\.2,client,172\.16\.0\.8:\d+,"), status);
        Assert.EndsWith("GLOBAL STATS\nMax bcast/mcast queue length,0\nEND\n", status, StringComparison.Ordinal);

        using ServerManagementClient m = await ServerManagementClient.ConnectAsync(socket, "s3cret");
        IReadOnlyList<string> v2 = await m.CommandAsync("status 2", multiLine: true);
        Assert.Equal("HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher", v2[2]);
        Assert.Matches(new Regex(@"^CLIENT_LIST,client,172\.16\.0\.8:\d+,10\.0\.1\.2,,\d+,\d+,[0-9: -]+,\d+,UNDEF,\d+,0,AES-256-GCM$"), v2[3]);
        IReadOnlyList<string> v3 = await m.CommandAsync("status 3", multiLine: true);
        Assert.StartsWith("CLIENT_LIST\tclient\t172.16.0.8:", v3[3], StringComparison.Ordinal);
        Assert.Equal("SUCCESS: pid=" + s.Server!.Pid, (await m.CommandAsync("pid"))[0]);
        Assert.Equal("ERROR: common name 'nobody' not found", (await m.CommandAsync("kill nobody"))[0]);

        int mark = s.Server.LineCount;
        Assert.Equal("SUCCESS: common name 'client' found, 1 client(s) killed", (await m.CommandAsync("kill client"))[0]);
        await s.Server.WaitForOutputAsync("client-instance exiting", StartTimeout, mark);
        // The client was told RESTART and reconnects by itself.
        await real.WaitForOutputAsync("Initialization Sequence Completed", StartTimeout, real.LineCount - 1);
        IReadOnlyList<string> after = await WaitForAsync(() => m.CommandAsync("status 2", multiLine: true).Result,
            lines => lines.Any(l => l.StartsWith("CLIENT_LIST,client,", StringComparison.Ordinal)));
        Assert.Single(after, l => l.StartsWith("CLIENT_LIST,", StringComparison.Ordinal));
        mark = s.Server.LineCount;
        Assert.StartsWith("SUCCESS: signal SIGUSR2 thrown", (await m.CommandAsync("signal SIGUSR2"))[0], StringComparison.Ordinal);
        await s.Server.WaitForOutputAsync("TUN offload:", StartTimeout, mark); // the statistics, as the real SIGUSR2 logs them

        // client-kill by the client ID of 'status 2' (column "Client ID"), with a HALT message: the real client exits
        // instead of reconnecting, as OpenVPN's own server makes it.
        string clientId = after.Single(l => l.StartsWith("CLIENT_LIST,", StringComparison.Ordinal)).Split(',')[10];
        Assert.Equal("ERROR: cannot parse CID", (await m.CommandAsync("client-kill x1"))[0]);
        Assert.Equal("ERROR: client-kill command failed", (await m.CommandAsync("client-kill 999999"))[0]);
        mark = s.Server.LineCount;
        int clientMark = real.LineCount;
        Assert.Equal("SUCCESS: client-kill command succeeded", (await m.CommandAsync($"client-kill {clientId} HALT"))[0]);
        await s.Server.WaitForOutputAsync("client-instance exiting", StartTimeout, mark);
        await real.WaitForOutputAsync("Halt command was pushed by server", StartTimeout, clientMark);
        Assert.True(await real.WaitForExitAsync(StartTimeout), "the real client should exit after HALT");

        Assert.StartsWith("SUCCESS: signal SIGTERM thrown", (await m.CommandAsync("signal SIGTERM"))[0], StringComparison.Ordinal);
        await s.Server.WaitForOutputAsync("process exiting", StartTimeout);
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done, int seconds = 20)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(seconds);
        T value = read();
        while (!done(value) && DateTime.UtcNow < until)
        {
            await Task.Delay(250);
            value = read();
        }

        Assert.True(done(value), $"condition not met within {seconds} s; last value: {value}");
        return value;
    }
}
