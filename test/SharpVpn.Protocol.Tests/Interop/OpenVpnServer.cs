using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SharpVpn.Protocol.Tests.Interop;

/// <summary>
/// A real openvpn 2.6 server on 127.0.0.1 UDP, its tun device named sv&lt;pid&gt;x&lt;n&gt; but never configured
/// (ifconfig-noexec, route-noexec), logging at verb 4 to a file. Ended by PID on dispose.
/// </summary>
public sealed class OpenVpnServer : IDisposable
{
    public const string OpenVpnPath = "/usr/sbin/openvpn";
    private static int s_counter;
    private readonly Process _process;

    public OpenVpnServer(EasyRsaPki pki, string extraConfig)
    {
        Port = FreeUdpPort();
        Dir = Directory.CreateTempSubdirectory("sv-c2-ovpn-").FullName;
        LogPath = Path.Combine(Dir, "server.log");
        Device = $"sv{Environment.ProcessId % 100000}x{Interlocked.Increment(ref s_counter)}";
        string config = $"""
            local 127.0.0.1
            port {Port}
            proto udp
            dev {Device}
            dev-type tun
            topology subnet
            server 10.213.77.0 255.255.255.0
            ifconfig-noexec
            route-noexec
            ca {pki.CaPath}
            cert {pki.CertPath("server")}
            key {pki.KeyPath("server")}
            dh none
            keepalive 1 10
            push "route 10.99.0.0 255.255.0.0"
            verb 4
            log {LogPath}
            {extraConfig}
            """;
        ConfigPath = Path.Combine(Dir, "server.conf");
        File.WriteAllText(ConfigPath, config);
        var psi = new ProcessStartInfo(OpenVpnPath) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(ConfigPath);
        _process = Process.Start(psi)!;
        WaitForLog("Initialization Sequence Completed", TimeSpan.FromSeconds(20));
    }

    public int Port { get; }

    public string Dir { get; }

    public string LogPath { get; }

    public string ConfigPath { get; }

    public string Device { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Log => File.Exists(LogPath) ? ReadShared(LogPath) : string.Empty;

    public bool WaitForLog(string text, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < timeout)
        {
            if (Log.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"openvpn server exited ({_process.ExitCode}): {Log}");
            }
            Thread.Sleep(50);
        }
        return false;
    }

    internal static string ReadShared(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(fs);
        return reader.ReadToEnd();
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        _process.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
