using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpVpn.Protocol.Tests.TlsWrap;

/// <summary>
/// A real <c>openvpn --mode server</c> on a random loopback UDP port, for interop checks of our wrapping.
/// Server mode needs a tun device: it is named <c>sv…</c>, gets no address (<c>--ifconfig-noexec</c>) and goes away
/// with the process. Stopped by PID in <see cref="Dispose"/>. A missing openvpn binary is a failure, not a skip.
/// </summary>
internal sealed class OpenVpnServerProcess : IDisposable
{
    private const string OpenVpnPath = "/usr/sbin/openvpn";
    private static int s_counter;

    private readonly Process _process;

    private OpenVpnServerProcess(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public string Log => File.Exists(Path.Combine(Directory, "server.log")) ? File.ReadAllText(Path.Combine(Directory, "server.log")) : "";

    /// <summary>Starts the server with <paramref name="wrapArgs"/> (e.g. --tls-auth ta.key 0); files named there must already be in <paramref name="directory"/>.</summary>
    public static OpenVpnServerProcess Start(string directory, params string[] wrapArgs)
    {
        Assert.True(File.Exists(OpenVpnPath), $"{OpenVpnPath} is required for interop tests.");
        WriteCertificates(directory);
        int port = FreeUdpPort();
        string dev = $"svc1{Environment.ProcessId % 100000}x{Interlocked.Increment(ref s_counter)}";
        var psi = new ProcessStartInfo(OpenVpnPath) { WorkingDirectory = directory, UseShellExecute = false };
        foreach (string a in new[]
        {
            "--mode", "server", "--tls-server", "--dev", dev, "--dev-type", "tun", "--ifconfig-noexec",
            "--topology", "subnet", "--ifconfig", "10.199.0.1", "255.255.255.0", "--ifconfig-pool", "10.199.0.2", "10.199.0.9",
            "--proto", "udp", "--local", "127.0.0.1", "--lport", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--ca", "ca.crt", "--cert", "server.crt", "--key", "server.key", "--dh", "none",
            "--verb", "4", "--log", "server.log",
        }.Concat(wrapArgs))
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        var server = new OpenVpnServerProcess(process, directory, port);
        var sw = Stopwatch.StartNew();
        while (!server.Log.Contains("Initialization Sequence Completed", StringComparison.Ordinal))
        {
            if (process.HasExited || sw.Elapsed > TimeSpan.FromSeconds(8))
            {
                string log = server.Log;
                server.Dispose();
                Assert.Fail($"openvpn server did not start:\n{log}");
            }
            Thread.Sleep(50);
        }
        return server;
    }

    /// <summary>Sends one datagram and waits for replies; returns the first reply or null after <paramref name="timeout"/>.</summary>
    public byte[]? Exchange(ReadOnlySpan<byte> datagram, TimeSpan timeout)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.SendTo(datagram, EndPoint);
        byte[] buffer = new byte[4096];
        socket.ReceiveTimeout = (int)timeout.TotalMilliseconds;
        try
        {
            int n = socket.Receive(buffer);
            return buffer[..n];
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.TimedOut)
        {
            return null;
        }
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
        finally
        {
            _process.Dispose();
        }
    }

    private static int FreeUdpPort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private static void WriteCertificates(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=sv-interop-ca", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=server", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var cert = req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.crt"), cert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "server.key"), key.ExportPkcs8PrivateKeyPem());
    }
}
